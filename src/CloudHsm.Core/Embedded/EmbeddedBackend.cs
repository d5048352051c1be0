using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Tokens;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Embedded;

/// <summary>
/// The core in-process (the default backend): slots, tokens and sessions of this application, over a
/// token directory. General, slot, token, session and object functions live here; the cryptographic
/// functions are in EmbeddedBackend.Crypto.cs.
/// </summary>
public sealed partial class EmbeddedBackend : ICryptokiBackend
{
    private readonly ModuleConfig _config;
    private readonly SlotTable _slots;
    private readonly SessionTable _sessions = new();
    private readonly MechanismRegistry _mechanisms = BuiltInMechanisms.Registry;

    private EmbeddedBackend(ModuleConfig config, ITokenDirectory directory)
    {
        _config = config;
        _slots = new SlotTable(directory, config);
    }

    public static ICryptokiBackend Open(ModuleConfig config, ITokenDirectory directory) => new EmbeddedBackend(config, directory);

    public LibraryInfo GetInfo() =>
        new(Versions.Cryptoki, Token.ManufacturerId, "CloudHsmPkcs11 PKCS#11 library", Versions.Library);

    public IReadOnlyList<ulong> GetSlotList(bool tokenPresent) =>
        [.. _slots.List().Select(s => s.Id)]; // every slot has a token present, initialised or not

    public SlotInfo GetSlotInfo(ulong slotId)
    {
        var slot = _slots.Get(slotId);
        return new SlotInfo($"CloudHsmPkcs11 slot {slot.Serial}", Token.ManufacturerId, CKF.CKF_TOKEN_PRESENT,
            Versions.Hardware, Versions.Firmware);
    }

    public TokenInfo GetTokenInfo(ulong slotId)
    {
        var slot = _slots.Get(slotId);
        return slot.Token?.GetInfo() ?? UninitializedTokenInfo(slot);
    }

    private TokenInfo UninitializedTokenInfo(Slot slot) => new()
    {
        Label = [.. Enumerable.Repeat((byte)' ', 32)],
        ManufacturerId = Token.ManufacturerId,
        Model = Token.Model,
        SerialNumber = slot.Serial,
        Flags = CKF.CKF_RNG | CKF.CKF_LOGIN_REQUIRED | CKF.CKF_CLOCK_ON_TOKEN,
        MaxSessionCount = TokenInfo.EffectivelyInfinite,
        SessionCount = 0,
        MaxRwSessionCount = TokenInfo.EffectivelyInfinite,
        RwSessionCount = 0,
        MaxPinLen = (ulong)_config.MaxPinLength,
        MinPinLen = (ulong)_config.MinPinLength,
        HardwareVersion = Versions.Hardware,
        FirmwareVersion = Versions.Firmware,
        UtcTime = DateTime.UtcNow.ToString("yyyyMMddHHmmss00", System.Globalization.CultureInfo.InvariantCulture),
    };

    public IReadOnlyList<CKM> GetMechanismList(ulong slotId)
    {
        _slots.Get(slotId);
        return _mechanisms.List;
    }

    public MechanismInfo GetMechanismInfo(ulong slotId, CKM type)
    {
        _slots.Get(slotId);
        return _mechanisms.GetInfo(type);
    }

    public void InitToken(ulong slotId, ReadOnlySpan<byte> soPin, ReadOnlySpan<byte> label)
    {
        var slot = _slots.Get(slotId);
        if (slot.Token is { } token)
        {
            CkrException.ThrowIf(_sessions.Any(token), CKR.CKR_SESSION_EXISTS, "close every session of the token first");
            token.Reinitialize(soPin, label);
            return;
        }
        var record = Token.NewRecord(slot.Serial, soPin, label, _config);
        _slots.Initialized(slot, _slots.OpenToken(slot, record));
    }

    public void InitPin(ulong session, ReadOnlySpan<byte> pin)
    {
        var s = _sessions.Get(session);
        CkrException.ThrowIf(s.State != CKS.CKS_RW_SO_FUNCTIONS, s.ReadWrite ? CKR.CKR_USER_NOT_LOGGED_IN : CKR.CKR_SESSION_READ_ONLY,
            "C_InitPIN needs the SO logged in on a R/W session");
        s.Token.InitPin(pin);
    }

    public void SetPin(ulong session, ReadOnlySpan<byte> oldPin, ReadOnlySpan<byte> newPin)
    {
        var s = _sessions.Get(session);
        CkrException.ThrowIf(!s.ReadWrite, CKR.CKR_SESSION_READ_ONLY, "C_SetPIN needs a R/W session");
        s.Token.SetPin(oldPin, newPin);
    }

    public ulong WaitForSlotEvent(bool dontBlock) => _slots.WaitForEvent(dontBlock);

    public ulong OpenSession(ulong slotId, ulong flags)
    {
        CkrException.ThrowIf((flags & CKF.CKF_SERIAL_SESSION) == 0, CKR.CKR_SESSION_PARALLEL_NOT_SUPPORTED);
        var slot = _slots.Get(slotId);
        var token = slot.Token ?? throw new CkrException(CKR.CKR_TOKEN_NOT_RECOGNIZED, "the token is not initialised");
        return _sessions.Open(token, (flags & CKF.CKF_RW_SESSION) != 0).Handle;
    }

    public void CloseSession(ulong session) => _sessions.Close(session);

    public void CloseAllSessions(ulong slotId)
    {
        if (_slots.Get(slotId).Token is { } token) _sessions.CloseAll(token);
    }

    public SessionInfo GetSessionInfo(ulong session)
    {
        var s = _sessions.Get(session);
        return new SessionInfo(s.Token.SlotId, s.State, s.Flags, 0);
    }

    /// <summary>Operation state holds live key material in OpenSSL objects; the spec's answer for a token
    /// that cannot save it is CKR_STATE_UNSAVEABLE (CKR_OPERATION_NOT_INITIALIZED when nothing is active).</summary>
    public byte[] GetOperationState(ulong session)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            throw new CkrException(s.Operations.AnyCryptographic(s.Token.LoginEpoch) ? CKR.CKR_STATE_UNSAVEABLE : CKR.CKR_OPERATION_NOT_INITIALIZED);
        }
    }

    /// <summary>No state is ever saved (see <see cref="GetOperationState"/>), so none can be valid.</summary>
    public void SetOperationState(ulong session, ReadOnlySpan<byte> state, ulong encryptionKey, ulong authenticationKey)
    {
        _sessions.Get(session);
        throw new CkrException(CKR.CKR_SAVED_STATE_INVALID, "this token does not save operation state");
    }

    public void Login(ulong session, CKU userType, ReadOnlySpan<byte> pin)
    {
        var s = _sessions.Get(session);
        if (userType == CKU.CKU_CONTEXT_SPECIFIC)
        {
            lock (s.Sync)
                CkrException.ThrowIf(!s.Operations.AnyCryptographic(s.Token.LoginEpoch), CKR.CKR_OPERATION_NOT_INITIALIZED,
                    "context-specific login is for the session's active operation");
        }
        s.Token.Login(userType, pin, _sessions.AnyReadOnly(s.Token));
    }

    public void Logout(ulong session) => _sessions.Get(session).Token.Logout();

    public void CancelOperation(ulong session, OperationKind kind)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
            s.Operations.End(kind);
    }

    public ulong CreateObject(ulong session, Attributes.Template template)
    {
        var s = _sessions.Get(session);
        return s.Token.CreateObject(s.Handle, s.State, template);
    }

    public ulong CopyObject(ulong session, ulong obj, Attributes.Template template)
    {
        var s = _sessions.Get(session);
        return s.Token.CopyObject(s.Handle, s.State, obj, template);
    }

    public void DestroyObject(ulong session, ulong obj)
    {
        var s = _sessions.Get(session);
        s.Token.DestroyObject(s.State, obj);
    }

    public ulong GetObjectSize(ulong session, ulong obj)
    {
        var s = _sessions.Get(session);
        return s.Token.GetObjectSize(s.State, obj);
    }

    public AttributeRead[] GetAttributeValue(ulong session, ulong obj, IReadOnlyList<CKA> types)
    {
        var s = _sessions.Get(session);
        return s.Token.GetAttributeValue(s.State, obj, types);
    }

    public void SetAttributeValue(ulong session, ulong obj, Attributes.Template template)
    {
        var s = _sessions.Get(session);
        s.Token.SetAttributeValue(s.State, obj, template);
    }

    public void FindObjectsInit(ulong session, Attributes.Template template)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            CkrException.ThrowIf(s.Operations.IsActive(OperationKind.Find, s.Token.LoginEpoch), CKR.CKR_OPERATION_ACTIVE);
            s.Operations.Start(OperationKind.Find, new FindOperation(s.Token.Find(s.State, template)), s.Token.LoginEpoch);
        }
    }

    public int FindObjects(ulong session, Span<ulong> handles)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
            return s.Operations.Get<FindOperation>(OperationKind.Find, s.Token.LoginEpoch).Next(handles);
    }

    public void FindObjectsFinal(ulong session)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            s.Operations.Get<FindOperation>(OperationKind.Find, s.Token.LoginEpoch);
            s.Operations.End(OperationKind.Find);
        }
    }

    /// <summary>The generator is OpenSSL's DRBG, seeded by the OS; applications must not be able to steer it,
    /// so the spec's answer for a token whose generator takes no seed applies.</summary>
    public void SeedRandom(ulong session, ReadOnlySpan<byte> seed)
    {
        _sessions.Get(session);
        throw new CkrException(CKR.CKR_RANDOM_SEED_NOT_SUPPORTED);
    }

    public void GenerateRandom(ulong session, Span<byte> output)
    {
        _sessions.Get(session);
        System.Security.Cryptography.RandomNumberGenerator.Fill(output);
    }

    public void Dispose()
    {
        _sessions.Clear();
        _slots.Dispose();
    }
}
