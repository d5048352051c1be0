using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_GCM_PARAMS as pkcs11t.h declares it (the header since 2.40, and the 3.0 text), with ulIvBits.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_GCM_PARAMS
{
    public byte* pIv;
    public CK_ULONG ulIvLen;
    public CK_ULONG ulIvBits;
    public byte* pAAD;
    public CK_ULONG ulAADLen;
    public CK_ULONG ulTagBits;
}

/// <summary>CK_GCM_PARAMS as the 2.40 specification text lists it, without ulIvBits (NSS's
/// CK_NSS_GCM_PARAMS has this shape, and Java's SunPKCS11 falls back to it). Consumers built from that
/// text send this shorter form; the boundary tells the two apart by ulParameterLen.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_GCM_PARAMS_V240
{
    public byte* pIv;
    public CK_ULONG ulIvLen;
    public byte* pAAD;
    public CK_ULONG ulAADLen;
    public CK_ULONG ulTagBits;
}
