using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// One initialised token as this process sees it: its store, the login state of this application
/// (login belongs to the token and the application, not the session: SoftHSMv2#509), and the cache of
/// its objects with their handles. <see cref="Sync"/> guards login and object state; the session lock,
/// when both are needed, is always taken first.
/// </summary>
internal sealed partial class Token : IDisposable
{
    public const string ManufacturerId = "CloudHsmPkcs11";
    public const string Model = "Embedded token";

    private readonly ITokenStore _store;
    private readonly ModuleConfig _config;

    public object Sync { get; } = new();

    public ulong SlotId { get; }

    public string Serial => _store.Serial;

    /// <summary>Open sessions of this application on this token (maintained by the session table).</summary>
    public int SessionCount { get; set; }

    public int ReadWriteSessionCount { get; set; }

    public Token(ulong slotId, ITokenStore store, ModuleConfig config)
    {
        SlotId = slotId;
        _store = store;
        _config = config;
    }

    public TokenInfo GetInfo()
    {
        lock (Sync)
        {
            var record = _store.LoadToken();
            return new TokenInfo
            {
                Label = record.Label,
                ManufacturerId = ManufacturerId,
                Model = Model,
                SerialNumber = record.Serial,
                Flags = Flags(record),
                MaxSessionCount = TokenInfo.EffectivelyInfinite,
                SessionCount = (ulong)SessionCount,
                MaxRwSessionCount = TokenInfo.EffectivelyInfinite,
                RwSessionCount = (ulong)ReadWriteSessionCount,
                MaxPinLen = (ulong)_config.MaxPinLength,
                MinPinLen = (ulong)_config.MinPinLength,
                HardwareVersion = Versions.Hardware,
                FirmwareVersion = Versions.Firmware,
                UtcTime = DateTime.UtcNow.ToString("yyyyMMddHHmmss00", System.Globalization.CultureInfo.InvariantCulture),
            };
        }
    }

    private ulong Flags(TokenRecord record)
    {
        ulong flags = CKF.CKF_RNG | CKF.CKF_LOGIN_REQUIRED | CKF.CKF_TOKEN_INITIALIZED | CKF.CKF_CLOCK_ON_TOKEN
            | CKF.CKF_DUAL_CRYPTO_OPERATIONS;
        if (record.UserPin is not null) flags |= CKF.CKF_USER_PIN_INITIALIZED;
        flags |= PinCountFlags(record.UserFailedLogins, CKF.CKF_USER_PIN_COUNT_LOW, CKF.CKF_USER_PIN_FINAL_TRY, CKF.CKF_USER_PIN_LOCKED);
        flags |= PinCountFlags(record.SoFailedLogins, CKF.CKF_SO_PIN_COUNT_LOW, CKF.CKF_SO_PIN_FINAL_TRY, CKF.CKF_SO_PIN_LOCKED);
        return flags;
    }

    private ulong PinCountFlags(int failures, ulong countLow, ulong finalTry, ulong locked)
    {
        if (failures >= _config.MaxLoginFailures) return locked;
        ulong flags = failures > 0 ? countLow : 0;
        if (failures == _config.MaxLoginFailures - 1) flags |= finalTry;
        return flags;
    }

    public void Dispose()
    {
        lock (Sync)
        {
            ForgetTokenKey();
            _store.Dispose();
        }
    }
}

/// <summary>The versions this build reports in CK_INFO, CK_SLOT_INFO and CK_TOKEN_INFO.</summary>
public static class Versions
{
    public static readonly CkVersion Cryptoki = new(2, 40);
    public static readonly CkVersion Library = new(0, 1);
    public static readonly CkVersion Hardware = new(0, 1);
    public static readonly CkVersion Firmware = new(0, 1);
}
