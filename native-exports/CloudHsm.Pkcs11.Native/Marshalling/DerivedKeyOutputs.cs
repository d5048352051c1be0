using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// The caller's phKey pointers of a mechanism parameter's additional derived keys (SP 800-108
/// CK_DERIVED_KEY), in order. The parser records them while it copies the templates; they stay in the
/// boundary (the core never sees a pointer), and C_DeriveKey writes the handles the core returns.
/// </summary>
internal sealed unsafe class DerivedKeyOutputs
{
    private const ulong InvalidHandle = 0; // CK_INVALID_HANDLE

    private readonly List<nint> _pointers = [];

    public int Count => _pointers.Count;

    /// <summary>Records one entry's phKey; NULL is a fault of the mechanism parameter.</summary>
    public void Add(CK_OBJECT_HANDLE* phKey)
    {
        CkrException.ThrowIf(phKey == null, CKR.CKR_MECHANISM_PARAM_INVALID, $"CK_DERIVED_KEY {_pointers.Count} has a NULL phKey");
        _pointers.Add((nint)phKey);
    }

    /// <summary>Writes the additional keys' handles, one per recorded pointer.</summary>
    public void Write(IReadOnlyList<ulong> handles)
    {
        CkrException.ThrowIf(handles.Count != _pointers.Count, CKR.CKR_GENERAL_ERROR,
            $"{handles.Count} additional keys for {_pointers.Count} CK_DERIVED_KEY entries");
        for (int i = 0; i < handles.Count; i++)
            *(CK_OBJECT_HANDLE*)_pointers[i] = CkULong.From(handles[i]);
    }

    /// <summary>§6.42: when an additional key's template made the derivation fail, its phKey gets
    /// CK_INVALID_HANDLE to identify the offending template.</summary>
    public void MarkFailed(Exception e)
    {
        if (e is AdditionalKeyTemplateException { Index: var index } && index >= 0 && index < _pointers.Count)
            *(CK_OBJECT_HANDLE*)_pointers[index] = CkULong.From(InvalidHandle);
    }
}
