using System.Runtime.InteropServices;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>
/// The AES family's parameter structures and their parsers. Expected linux-x64 layouts come from gcc 12
/// over Debian's p11-kit pkcs11.h (struct ck_gcm_params, ck_aes_ctr_params) and, for the 2.40-text GCM
/// layout, the same header's fields without iv_bits: sizeof/offsetof printed once and written in here.
/// </summary>
[TestFixture]
public unsafe class AesParameterTests
{
    private static readonly (Type Struct, int Size, (string Field, int Offset)[] Fields)[] LinuxX64 =
    [
        (typeof(CK_GCM_PARAMS), 48, [("pIv", 0), ("ulIvLen", 8), ("ulIvBits", 16), ("pAAD", 24), ("ulAADLen", 32), ("ulTagBits", 40)]),
        (typeof(CK_GCM_PARAMS_V240), 40, [("pIv", 0), ("ulIvLen", 8), ("pAAD", 16), ("ulAADLen", 24), ("ulTagBits", 32)]),
        (typeof(CK_AES_CTR_PARAMS), 24, [("ulCounterBits", 0), ("cb", 8)]),
    ];

    [Test]
    public void Layouts_match_the_C_header_on_linux_x64()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Assert.Ignore("the expected values are linux-x64's");
        foreach (var (type, size, fields) in LinuxX64)
        {
            Assert.That(Marshal.SizeOf(type), Is.EqualTo(size), type.Name);
            foreach (var (field, offset) in fields)
                Assert.That((int)Marshal.OffsetOf(type, field), Is.EqualTo(offset), $"{type.Name}.{field}");
        }
        Assert.That(sizeof(CK_GCM_PARAMS), Is.EqualTo(48));
        Assert.That(sizeof(CK_GCM_PARAMS_V240), Is.EqualTo(40));
        Assert.That(sizeof(CK_AES_CTR_PARAMS), Is.EqualTo(24));
    }

    private static GcmParameters Parse(CKM type, void* p, int size) =>
        (GcmParameters)MechanismParameters.Parse(type, new ReadOnlySpan<byte>(p, size));

    private static CKR Refused(CKM type, void* p, int size)
    {
        var span = new ReadOnlySpan<byte>(p, size).ToArray();
        return Assert.Throws<CkrException>(() => MechanismParameters.Parse(type, span))!.Rv;
    }

    [TestCase(CKM.CKM_AES_GCM)]
    [TestCase(CKM.CKM_CLOUDHSM_AES_GCM)]
    public void Both_GCM_layouts_are_read(CKM type)
    {
        using var mem = new NativeBuffer();
        var v3 = mem.Alloc<CK_GCM_PARAMS>();
        *v3 = new CK_GCM_PARAMS { pIv = mem.Bytes(1, 2, 3), ulIvLen = 3, ulIvBits = 24, pAAD = mem.Bytes(9, 8), ulAADLen = 2, ulTagBits = 112 };
        var read = Parse(type, v3, sizeof(CK_GCM_PARAMS));
        Assert.That((read.Iv, read.Aad, read.TagBits), Is.EqualTo((new byte[] { 1, 2, 3 }, new byte[] { 9, 8 }, 112ul)));

        var v240 = mem.Alloc<CK_GCM_PARAMS_V240>();
        *v240 = new CK_GCM_PARAMS_V240 { pIv = mem.Bytes(4, 5), ulIvLen = 2, pAAD = null, ulAADLen = 0, ulTagBits = 128 };
        read = Parse(type, v240, sizeof(CK_GCM_PARAMS_V240));
        Assert.That((read.Iv, read.Aad, read.TagBits), Is.EqualTo((new byte[] { 4, 5 }, Array.Empty<byte>(), 128ul)));

        // The vendor mechanism may be given no IV at all.
        v3->pIv = null;
        v3->ulIvLen = 0;
        Assert.That(Parse(type, v3, sizeof(CK_GCM_PARAMS)).Iv, Is.Empty);
    }

    [Test]
    public void Bad_GCM_structures_are_CKR_MECHANISM_PARAM_INVALID()
    {
        using var mem = new NativeBuffer();
        var v3 = mem.Alloc<CK_GCM_PARAMS>(2);
        *v3 = new CK_GCM_PARAMS { pIv = null, ulIvLen = 12, ulTagBits = 128 };
        Assert.That(Refused(CKM.CKM_AES_GCM, v3, sizeof(CK_GCM_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "NULL IV with a length");
        *v3 = new CK_GCM_PARAMS { pIv = mem.Bytes(1), ulIvLen = 1, pAAD = null, ulAADLen = 5, ulTagBits = 128 };
        Assert.That(Refused(CKM.CKM_AES_GCM, v3, sizeof(CK_GCM_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "NULL AAD with a length");
        Assert.That(Refused(CKM.CKM_AES_GCM, v3, sizeof(CK_GCM_PARAMS) - 1), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "odd size");
        Assert.That(Refused(CKM.CKM_AES_GCM, v3, sizeof(CK_GCM_PARAMS) + 8), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "too long");
        Assert.That(Refused(CKM.CKM_AES_GCM, v3, 12), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a bare IV");
    }

    [Test]
    public void CTR_parameters_are_read_and_sized_exactly()
    {
        using var mem = new NativeBuffer();
        var ctr = mem.Alloc<CK_AES_CTR_PARAMS>(2);
        ctr->ulCounterBits = 32;
        for (int i = 0; i < 16; i++) ctr->cb[i] = (byte)i;
        var read = (AesCtrParameters)MechanismParameters.Parse(CKM.CKM_AES_CTR, new ReadOnlySpan<byte>(ctr, sizeof(CK_AES_CTR_PARAMS)));
        Assert.That(read.CounterBits, Is.EqualTo(32ul));
        Assert.That(read.CounterBlock, Is.EqualTo(Enumerable.Range(0, 16).Select(i => (byte)i)));
        Assert.That(Refused(CKM.CKM_AES_CTR, ctr, 16), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Refused(CKM.CKM_AES_CTR, ctr, sizeof(CK_AES_CTR_PARAMS) + 1), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }
}
