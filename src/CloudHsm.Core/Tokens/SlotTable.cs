using CloudHsm.Core.Configuration;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// The slots of the module: the tokens found in the token directory (re-scanned on C_GetSlotList, so a
/// token initialised by another process — the CLI while a server runs — appears) and one
/// uninitialised slot. Slot events (for C_WaitForSlotEvent) are raised here.
/// </summary>
internal sealed class SlotTable : IDisposable
{
    private readonly ITokenDirectory _directory;
    private readonly ModuleConfig _config;
    private readonly object _sync = new();
    private readonly List<Slot> _slots = [];
    private readonly Queue<ulong> _events = new();
    private Slot _uninitialized;
    private bool _disposed;

    public SlotTable(ITokenDirectory directory, ModuleConfig config)
    {
        _directory = directory;
        _config = config;
        _uninitialized = new Slot(Slot.NewSerial(), null);
        Rescan();
    }

    /// <summary>Initialised tokens first (in serial order), the uninitialised slot last: tools that take
    /// "the first slot with a token" (pkcs11-tool) then find the real token.</summary>
    public IReadOnlyList<Slot> List()
    {
        lock (_sync)
        {
            Rescan();
            return [.. _slots, _uninitialized];
        }
    }

    public Slot Get(ulong slotId)
    {
        lock (_sync)
        {
            if (_uninitialized.Id == slotId) return _uninitialized;
            foreach (var slot in _slots)
                if (slot.Id == slotId) return slot;
            Rescan();
            foreach (var slot in _slots)
                if (slot.Id == slotId) return slot;
        }
        throw new CkrException(CKR.CKR_SLOT_ID_INVALID, $"no slot {slotId}");
    }

    /// <summary>The uninitialised slot now holds a token: it keeps its id, and a new uninitialised slot appears.</summary>
    public void Initialized(Slot slot, Token token)
    {
        lock (_sync)
        {
            slot.Token = token;
            if (ReferenceEquals(slot, _uninitialized))
            {
                _slots.Add(slot);
                _uninitialized = new Slot(Slot.NewSerial(), null);
            }
            _events.Enqueue(slot.Id);
            Monitor.PulseAll(_sync);
        }
    }

    public Token OpenToken(Slot slot, TokenRecord record) => new(slot.Id, _directory.Create(record), _config);

    /// <summary>C_WaitForSlotEvent: the next slot with an event; blocks unless <paramref name="dontBlock"/>.</summary>
    public ulong WaitForEvent(bool dontBlock)
    {
        lock (_sync)
        {
            while (true)
            {
                if (_disposed) throw new CkrException(CKR.CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize was called");
                if (_events.TryDequeue(out ulong slotId)) return slotId;
                if (dontBlock) throw new CkrException(CKR.CKR_NO_EVENT);
                Monitor.Wait(_sync);
            }
        }
    }

    private void Rescan()
    {
        foreach (string serial in _directory.ListSerials())
        {
            if (_slots.Exists(s => s.Serial == serial)) continue;
            var slot = new Slot(serial, null);
            slot.Token = new Token(slot.Id, _directory.Open(serial), _config);
            _slots.Add(slot);
        }
        _slots.Sort((a, b) => string.CompareOrdinal(a.Serial, b.Serial));
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            Monitor.PulseAll(_sync);
            foreach (var slot in _slots)
                slot.Token?.Dispose();
            _slots.Clear();
        }
    }
}
