using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>CK_ECDH1_DERIVE_PARAMS and CK_EDDSA_PARAMS through the mechanism reader: exact sizes, copied
/// contents, and CKR_MECHANISM_PARAM_INVALID for every malformed structure.</summary>
[TestFixture]
public unsafe class EcParameterParserTests
{
    private static MechanismParameter? Read(NativeBuffer mem, CKM type, void* parameter, int length)
    {
        var m = mem.Alloc<CK_MECHANISM>();
        *m = new CK_MECHANISM { mechanism = (CK_ULONG)(uint)type, pParameter = parameter, ulParameterLen = (CK_ULONG)length };
        return MechanismReader.Read(m).Parameter;
    }

    private static CKR Fails(NativeBuffer mem, CKM type, void* parameter, int length) =>
        Assert.Throws<CkrException>(() => Read(mem, type, parameter, length))!.Rv;

    [Test]
    public void Ecdh1_derive_params_are_copied()
    {
        using var mem = new NativeBuffer();
        var p = mem.Alloc<CK_ECDH1_DERIVE_PARAMS>();
        *p = new CK_ECDH1_DERIVE_PARAMS
        {
            kdf = (CK_ULONG)(uint)CKD.CKD_SHA256_KDF, ulSharedDataLen = 2, pSharedData = mem.Bytes(1, 2), ulPublicDataLen = 3, pPublicData = mem.Bytes(4, 5, 6),
        };
        var read = (Ecdh1DeriveParameters)Read(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS))!;
        Assert.That(read.Kdf, Is.EqualTo(CKD.CKD_SHA256_KDF));
        Assert.That(read.SharedData, Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(read.PublicData, Is.EqualTo(new byte[] { 4, 5, 6 }));

        *p = new CK_ECDH1_DERIVE_PARAMS { kdf = (CK_ULONG)(uint)CKD.CKD_NULL, ulPublicDataLen = 1, pPublicData = mem.Bytes(4) };
        read = (Ecdh1DeriveParameters)Read(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS))!;
        Assert.That(read.SharedData, Is.Empty, "NULL with 0 is empty");

        Assert.That(Fails(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS) - 1), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        p->ulSharedDataLen = 5;
        Assert.That(Fails(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "length without pointer");
        p->ulSharedDataLen = 0;
        p->pPublicData = null;
        Assert.That(Fails(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        if (sizeof(CK_ULONG) == 8)
        {
            p->pPublicData = mem.Bytes(4);
            p->kdf = unchecked((CK_ULONG)(nuint)0x1_0000_0001UL);
            Assert.That(Fails(mem, CKM.CKM_ECDH1_DERIVE, p, sizeof(CK_ECDH1_DERIVE_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "kdf beyond 32 bits");
        }
    }

    [Test]
    public void Eddsa_params_are_copied()
    {
        using var mem = new NativeBuffer();
        var p = mem.Alloc<CK_EDDSA_PARAMS>();
        *p = new CK_EDDSA_PARAMS { phFlag = 1, ulContextDataLen = 3, pContextData = mem.Bytes(7, 8, 9) };
        var read = (EddsaParameters)Read(mem, CKM.CKM_EDDSA, p, sizeof(CK_EDDSA_PARAMS))!;
        Assert.That(read.PreHash, Is.True);
        Assert.That(read.Context, Is.EqualTo(new byte[] { 7, 8, 9 }));
        *p = new CK_EDDSA_PARAMS { phFlag = 0 };
        read = (EddsaParameters)Read(mem, CKM.CKM_EDDSA, p, sizeof(CK_EDDSA_PARAMS))!;
        Assert.That((read.PreHash, read.Context.Length), Is.EqualTo((false, 0)));
        Assert.That(Read(mem, CKM.CKM_EDDSA, null, 0), Is.Null, "no parameter: pure EdDSA");

        p->ulContextDataLen = 256;
        p->pContextData = mem.Bytes(new byte[256]);
        Assert.That(Fails(mem, CKM.CKM_EDDSA, p, sizeof(CK_EDDSA_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "context over 255 bytes");
        p->ulContextDataLen = 1;
        p->pContextData = null;
        Assert.That(Fails(mem, CKM.CKM_EDDSA, p, sizeof(CK_EDDSA_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(mem, CKM.CKM_EDDSA, p, sizeof(CK_EDDSA_PARAMS) + 8), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }
}
