using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_TOKEN_INFO (C_GetTokenInfo). Strings are blank-padded, never NUL-terminated;
/// unknown counts are CK_UNAVAILABLE_INFORMATION (<see cref="CkLayout.UnavailableInformation"/>).</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_TOKEN_INFO
{
    public fixed byte label[32];
    public fixed byte manufacturerID[32];
    public fixed byte model[16];
    public fixed byte serialNumber[16];
    public CK_FLAGS flags;
    public CK_ULONG ulMaxSessionCount;
    public CK_ULONG ulSessionCount;
    public CK_ULONG ulMaxRwSessionCount;
    public CK_ULONG ulRwSessionCount;
    public CK_ULONG ulMaxPinLen;
    public CK_ULONG ulMinPinLen;
    public CK_ULONG ulTotalPublicMemory;
    public CK_ULONG ulFreePublicMemory;
    public CK_ULONG ulTotalPrivateMemory;
    public CK_ULONG ulFreePrivateMemory;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
    public fixed byte utcTime[16];
}
