using System.Security.Cryptography;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>Login state, PINs and the token key (docs/storage-encryption.md). Callers hold <see cref="Sync"/>
/// only where noted; these methods take it themselves.</summary>
internal sealed partial class Token
{
    public const int SchemaVersion = 1;

    private const int NobodyLoggedIn = -1;

    /// <summary>The CKU of whoever is logged in, or <see cref="NobodyLoggedIn"/>. Volatile so that the hot
    /// path reads the session state without taking <see cref="Sync"/>; written only under it.</summary>
    private volatile int _loggedInRaw = NobodyLoggedIn;

    /// <summary>Who is logged in to this token in this application, if anyone.</summary>
    public CKU? LoggedIn
    {
        get => _loggedInRaw == NobodyLoggedIn ? null : (CKU)_loggedInRaw;
        private set => _loggedInRaw = value is null ? NobodyLoggedIn : (int)value.Value;
    }
    private byte[]? _tokenKey;
    private long _loginEpoch;


    /// <summary>Changes at every logout, so operations started on private objects notice they are void.</summary>
    public long LoginEpoch => Interlocked.Read(ref _loginEpoch);

    /// <summary>CK_STATE of a session, computed from the token's login state and the session's R/W flag (§5.6).</summary>
    public CKS StateFor(bool readWrite) => LoggedIn switch
    {
        CKU.CKU_SO => CKS.CKS_RW_SO_FUNCTIONS,
        CKU.CKU_USER => readWrite ? CKS.CKS_RW_USER_FUNCTIONS : CKS.CKS_RO_USER_FUNCTIONS,
        _ => readWrite ? CKS.CKS_RW_PUBLIC_SESSION : CKS.CKS_RO_PUBLIC_SESSION,
    };

    /// <summary>A new token's first record: a fresh token key wrapped under the SO PIN.</summary>
    public static TokenRecord NewRecord(string serial, ReadOnlySpan<byte> soPin, ReadOnlySpan<byte> label, ModuleConfig config)
    {
        CheckNewPin(soPin, config);
        byte[] tokenKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            return new TokenRecord
            {
                SchemaVersion = SchemaVersion,
                Serial = serial,
                Label = label.ToArray(),
                SoPin = PinKeyDerivation.CreatePinRecord(soPin, tokenKey, serial, config.PinKdfIterations),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tokenKey);
        }
    }

    /// <summary>C_InitToken on this token: the SO PIN must match; every object goes; a new token key.</summary>
    public void Reinitialize(ReadOnlySpan<byte> soPin, ReadOnlySpan<byte> label)
    {
        lock (Sync)
        {
            var record = _store.LoadToken();
            VerifyPin(CKU.CKU_SO, soPin, record, out byte[] oldKey);
            CryptographicOperations.ZeroMemory(oldKey);
            _store.Reinitialize(NewRecord(record.Serial, soPin, label, _config));
            ForgetTokenKey();
            LoggedIn = null;
            DropAllObjects();
        }
    }

    public void Login(CKU userType, ReadOnlySpan<byte> pin, bool readOnlySessionExists)
    {
        lock (Sync)
        {
            switch (userType)
            {
                case CKU.CKU_SO:
                    CkrException.ThrowIf(LoggedIn == CKU.CKU_SO, CKR.CKR_USER_ALREADY_LOGGED_IN);
                    CkrException.ThrowIf(LoggedIn == CKU.CKU_USER, CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
                    CkrException.ThrowIf(readOnlySessionExists, CKR.CKR_SESSION_READ_ONLY_EXISTS, "the SO needs every session R/W");
                    break;
                case CKU.CKU_USER:
                    CkrException.ThrowIf(LoggedIn == CKU.CKU_USER, CKR.CKR_USER_ALREADY_LOGGED_IN);
                    CkrException.ThrowIf(LoggedIn == CKU.CKU_SO, CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
                    break;
                case CKU.CKU_CONTEXT_SPECIFIC:
                    // Re-authentication for a CKA_ALWAYS_AUTHENTICATE key: the user must be logged in already,
                    // and the session must have the operation it is for (checked by the caller). §5.6: "Improper
                    // use of this user type will result in a return value CKR_OPERATION_NOT_INITIALIZED" (the
                    // list of C_Login has no CKR_USER_NOT_LOGGED_IN).
                    CkrException.ThrowIf(LoggedIn != CKU.CKU_USER, CKR.CKR_OPERATION_NOT_INITIALIZED,
                        "CKU_CONTEXT_SPECIFIC re-authenticates the user, who is not logged in");
                    VerifyPin(CKU.CKU_USER, pin, _store.LoadToken(), out byte[] key);
                    CryptographicOperations.ZeroMemory(key);
                    return;
                default:
                    throw new CkrException(CKR.CKR_USER_TYPE_INVALID, $"user type {(uint)userType}");
            }
            var record = _store.LoadToken();
            CkrException.ThrowIf(userType == CKU.CKU_USER && record.UserPin is null, CKR.CKR_USER_PIN_NOT_INITIALIZED);
            VerifyPin(userType, pin, record, out byte[] tokenKey);
            _tokenKey = tokenKey;
            LoggedIn = userType;
            try
            {
                ReopenSealedObjects();
            }
            catch
            {
                LogoutLocked(); // a login that cannot show the user's objects has not happened
                throw;
            }
        }
    }

    public void Logout()
    {
        lock (Sync)
        {
            CkrException.ThrowIf(LoggedIn is null, CKR.CKR_USER_NOT_LOGGED_IN);
            LogoutLocked();
        }
    }

    /// <summary>The last session of the application closed: the spec logs the user out.</summary>
    public void LogoutIfLoggedIn()
    {
        lock (Sync)
        {
            if (LoggedIn is not null) LogoutLocked();
        }
    }

    private void LogoutLocked()
    {
        LoggedIn = null;
        ForgetTokenKey();
        Interlocked.Increment(ref _loginEpoch);
        ForgetPrivateObjects();
        ReopenSealedObjects();
    }

    /// <summary>C_InitPIN: the SO (logged in, so the token key is known) sets the user PIN and unlocks it.</summary>
    public void InitPin(ReadOnlySpan<byte> pin)
    {
        lock (Sync)
        {
            CheckNewPin(pin, _config);
            var userPin = PinKeyDerivation.CreatePinRecord(pin, TokenKey(), Serial, _config.PinKdfIterations);
            _store.UpdateToken(r => r with { UserPin = userPin, UserFailedLogins = 0 });
        }
    }

    /// <summary>C_SetPIN: the SO's PIN when the SO is logged in, else the user's; the old PIN must match.</summary>
    public void SetPin(ReadOnlySpan<byte> oldPin, ReadOnlySpan<byte> newPin)
    {
        lock (Sync)
        {
            CKU who = LoggedIn == CKU.CKU_SO ? CKU.CKU_SO : CKU.CKU_USER;
            var record = _store.LoadToken();
            // §5.6 lists no CKR_USER_PIN_NOT_INITIALIZED for C_SetPIN (C_Login has it): with no user PIN set,
            // no old PIN can be the right one.
            CkrException.ThrowIf(who == CKU.CKU_USER && record.UserPin is null, CKR.CKR_PIN_INCORRECT, "the user PIN is not initialised");
            VerifyPin(who, oldPin, record, out byte[] tokenKey);
            try
            {
                CheckNewPin(newPin, _config);
                var pinRecord = PinKeyDerivation.CreatePinRecord(newPin, tokenKey, Serial, _config.PinKdfIterations);
                _store.UpdateToken(r => who == CKU.CKU_SO ? r with { SoPin = pinRecord } : r with { UserPin = pinRecord });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(tokenKey);
            }
        }
    }

    /// <summary>Checks a PIN against its record, counting failures in the store so that every process sees
    /// the same lockout state. CKR_PIN_LOCKED once the count reaches the configured maximum.</summary>
    private void VerifyPin(CKU who, ReadOnlySpan<byte> pin, TokenRecord record, out byte[] tokenKey)
    {
        int failures = who == CKU.CKU_SO ? record.SoFailedLogins : record.UserFailedLogins;
        CkrException.ThrowIf(failures >= _config.MaxLoginFailures, CKR.CKR_PIN_LOCKED);
        var pinRecord = who == CKU.CKU_SO ? record.SoPin : record.UserPin!;
        bool unlocked = PinKeyDerivation.TryUnlock(pinRecord, pin, record.Serial, out tokenKey!);
        if (unlocked && HasZeroByte(pin))
        {
            CryptographicOperations.ZeroMemory(tokenKey);
            unlocked = false;
        }
        if (!unlocked)
        {
            _store.UpdateToken(r => who == CKU.CKU_SO
                ? r with { SoFailedLogins = r.SoFailedLogins + 1 }
                : r with { UserFailedLogins = r.UserFailedLogins + 1 });
            throw new CkrException(CKR.CKR_PIN_INCORRECT);
        }
        if (failures > 0)
            _store.UpdateToken(r => who == CKU.CKU_SO ? r with { SoFailedLogins = 0 } : r with { UserFailedLogins = 0 });
    }

    /// <summary>A PIN about to be set: CKR_PIN_LEN_RANGE outside the configured lengths, CKR_PIN_INVALID with a
    /// zero byte in it (<see cref="HasZeroByte"/>).</summary>
    private static void CheckNewPin(ReadOnlySpan<byte> pin, ModuleConfig config)
    {
        CkrException.ThrowIf(pin.Length < config.MinPinLength || pin.Length > config.MaxPinLength, CKR.CKR_PIN_LEN_RANGE,
            $"PINs are {config.MinPinLength} to {config.MaxPinLength} bytes");
        CkrException.ThrowIf(HasZeroByte(pin), CKR.CKR_PIN_INVALID, "a PIN may not contain a zero byte");
    }

    /// <summary>PBKDF2 keys HMAC with the PIN, and HMAC pads a key shorter than its block with zero bytes, so
    /// "1234" and "1234\0" derive the same key: a PIN with a zero byte is never set and never matches, and
    /// only the PIN itself opens the token (found by tests/native/fuzz.c).</summary>
    private static bool HasZeroByte(ReadOnlySpan<byte> pin) => pin.Contains((byte)0);

    /// <summary>The token key while someone is logged in; CKR_USER_NOT_LOGGED_IN otherwise.</summary>
    private byte[] TokenKey() => _tokenKey ?? throw new CkrException(CKR.CKR_USER_NOT_LOGGED_IN, "the token key needs a login");

    private void ForgetTokenKey()
    {
        if (_tokenKey is not null) CryptographicOperations.ZeroMemory(_tokenKey);
        _tokenKey = null;
    }
}
