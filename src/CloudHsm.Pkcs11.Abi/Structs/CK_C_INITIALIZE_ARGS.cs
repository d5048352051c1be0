using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_C_INITIALIZE_ARGS (C_Initialize). The mutex callbacks are typed for documentation;
/// the module only checks whether they are set (it locks with its own OS-level primitives).</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_C_INITIALIZE_ARGS
{
    public delegate* unmanaged[Cdecl]<void**, CK_RV> CreateMutex;
    public delegate* unmanaged[Cdecl]<void*, CK_RV> DestroyMutex;
    public delegate* unmanaged[Cdecl]<void*, CK_RV> LockMutex;
    public delegate* unmanaged[Cdecl]<void*, CK_RV> UnlockMutex;
    public CK_FLAGS flags;
    public void* pReserved;
}
