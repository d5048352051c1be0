using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Rsa;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>The RSA parameter parsers: exact sizes, values read as given, labels and nested OAEP blocks copied.</summary>
[TestFixture]
public unsafe class RsaParameterParserTests
{
    private static ReadOnlySpan<byte> Bytes<T>(T* p) where T : unmanaged => new(p, sizeof(T));

    private static CKR Rv(TestDelegate call) => Assert.Throws<CkrException>(call)!.Rv;

    [Test]
    public void PSS_parameters_are_read_for_every_PSS_mechanism()
    {
        using var mem = new NativeBuffer();
        var p = mem.Alloc<CK_RSA_PKCS_PSS_PARAMS>();
        *p = new CK_RSA_PKCS_PSS_PARAMS { hashAlg = (CK_ULONG)(uint)CKM.CKM_SHA256, mgf = (CK_ULONG)(uint)CKG.CKG_MGF1_SHA1, sLen = 7 };
        foreach (var m in new[] { CKM.CKM_RSA_PKCS_PSS, CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_SHA224_RSA_PKCS_PSS, CKM.CKM_SHA256_RSA_PKCS_PSS,
                     CKM.CKM_SHA384_RSA_PKCS_PSS, CKM.CKM_SHA512_RSA_PKCS_PSS })
            Assert.That(MechanismParameters.Parse(m, Bytes(p)),
                Is.EqualTo(new RsaPssParameter((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA1, 7)), m.ToString());
        var shorter = new ReadOnlySpan<byte>(p, sizeof(CK_RSA_PKCS_PSS_PARAMS) - 1).ToArray();
        Assert.That(Rv(() => MechanismParameters.Parse(CKM.CKM_RSA_PKCS_PSS, shorter)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => MechanismParameters.Parse(CKM.CKM_RSA_PKCS_PSS, new byte[sizeof(CK_RSA_PKCS_PSS_PARAMS) + 1])), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void OAEP_label_is_copied_and_a_NULL_label_with_a_length_refused()
    {
        using var mem = new NativeBuffer();
        var p = mem.Alloc<CK_RSA_PKCS_OAEP_PARAMS>();
        *p = new CK_RSA_PKCS_OAEP_PARAMS
        {
            hashAlg = (CK_ULONG)(uint)CKM.CKM_SHA384, mgf = (CK_ULONG)(uint)CKG.CKG_MGF1_SHA256, source = 1,
            pSourceData = mem.Bytes(9, 8, 7), ulSourceDataLen = 3,
        };
        var read = (RsaOaepParameter)MechanismParameters.Parse(CKM.CKM_RSA_PKCS_OAEP, Bytes(p));
        Assert.That((read.HashAlg, read.Mgf, read.Source), Is.EqualTo(((ulong)CKM.CKM_SHA384, (ulong)CKG.CKG_MGF1_SHA256, 1UL)));
        Assert.That(read.SourceData, Is.EqualTo(new byte[] { 9, 8, 7 }));

        p->pSourceData = null;
        Assert.That(Rv(() => MechanismParameters.Parse(CKM.CKM_RSA_PKCS_OAEP, Bytes(p))), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        p->ulSourceDataLen = 0;
        Assert.That(((RsaOaepParameter)MechanismParameters.Parse(CKM.CKM_RSA_PKCS_OAEP, Bytes(p))).SourceData, Is.Empty);
        Assert.That(Rv(() => MechanismParameters.Parse(CKM.CKM_RSA_PKCS_OAEP, new byte[24])), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void RSA_AES_key_wrap_reads_its_nested_OAEP_parameters()
    {
        using var mem = new NativeBuffer();
        var oaep = mem.Alloc<CK_RSA_PKCS_OAEP_PARAMS>();
        *oaep = new CK_RSA_PKCS_OAEP_PARAMS { hashAlg = (CK_ULONG)(uint)CKM.CKM_SHA_1, mgf = (CK_ULONG)(uint)CKG.CKG_MGF1_SHA1, source = 1 };
        var p = mem.Alloc<CK_RSA_AES_KEY_WRAP_PARAMS>();
        *p = new CK_RSA_AES_KEY_WRAP_PARAMS { ulAESKeyBits = 256, pOAEPParams = oaep };
        var read = (RsaAesKeyWrapParameter)MechanismParameters.Parse(CKM.CKM_RSA_AES_KEY_WRAP, Bytes(p));
        Assert.That(read.AesKeyBits, Is.EqualTo(256));
        Assert.That((read.Oaep.HashAlg, read.Oaep.Mgf, read.Oaep.SourceData.Length), Is.EqualTo(((ulong)CKM.CKM_SHA_1, (ulong)CKG.CKG_MGF1_SHA1, 0)));
        p->pOAEPParams = null;
        Assert.That(Rv(() => MechanismParameters.Parse(CKM.CKM_RSA_AES_KEY_WRAP, Bytes(p))), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }
}
