using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Mac;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>CK_MAC_GENERAL_PARAMS, CK_SP800_108_KDF_PARAMS and CK_HKDF_PARAMS through the mechanism reader:
/// exact sizes, copied contents, and CKR_MECHANISM_PARAM_INVALID for every malformed structure.</summary>
[TestFixture]
public unsafe class MacParameterParserTests
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
    public void Mac_general_params_is_one_CK_ULONG()
    {
        using var mem = new NativeBuffer();
        var p = mem.ULong(12);
        Assert.That(Read(mem, CKM.CKM_SHA256_HMAC_GENERAL, p, sizeof(CK_ULONG)), Is.EqualTo(new MacGeneralParameter(12)));
        Assert.That(Read(mem, CKM.CKM_AES_CMAC_GENERAL, p, sizeof(CK_ULONG)), Is.EqualTo(new MacGeneralParameter(12)));
        Assert.That(Fails(mem, CKM.CKM_SHA256_HMAC_GENERAL, p, 4 + sizeof(CK_ULONG)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(mem, CKM.CKM_SHA256_HMAC_GENERAL, p, 1), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Sp800108_params_are_copied_in_order()
    {
        using var mem = new NativeBuffer();
        var counter = mem.Alloc<CK_SP800_108_COUNTER_FORMAT>();
        *counter = new CK_SP800_108_COUNTER_FORMAT { bLittleEndian = 1, ulWidthInBits = 16 };
        var dkm = mem.Alloc<CK_SP800_108_DKM_LENGTH_FORMAT>();
        *dkm = new CK_SP800_108_DKM_LENGTH_FORMAT { dkmLengthMethod = 2, bLittleEndian = 0, ulWidthInBits = 32 };
        var data = mem.Alloc<CK_PRF_DATA_PARAM>(4);
        data[0] = new CK_PRF_DATA_PARAM { type = 4, pValue = mem.Bytes(0xde, 0xad), ulValueLen = 2 };
        data[1] = new CK_PRF_DATA_PARAM { type = 1, pValue = counter, ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_COUNTER_FORMAT) };
        data[2] = new CK_PRF_DATA_PARAM { type = 3, pValue = dkm, ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_DKM_LENGTH_FORMAT) };
        data[3] = new CK_PRF_DATA_PARAM { type = 5, pValue = mem.ULong(7), ulValueLen = (CK_ULONG)sizeof(CK_ULONG) };
        var p = mem.Alloc<CK_SP800_108_KDF_PARAMS>();
        *p = new CK_SP800_108_KDF_PARAMS { prfType = (CK_ULONG)(uint)CKM.CKM_AES_CMAC, ulNumberOfDataParams = 4, pDataParams = data };

        var read = (Sp800108KdfParameter)Read(mem, CKM.CKM_SP800_108_COUNTER_KDF, p, sizeof(CK_SP800_108_KDF_PARAMS))!;
        Assert.That(read.PrfType, Is.EqualTo((ulong)CKM.CKM_AES_CMAC));
        Assert.That(read.AdditionalKeys, Is.Empty);
        Assert.That(((PrfByteArray)read.DataParameters[0]).Value, Is.EqualTo(new byte[] { 0xde, 0xad }));
        Assert.That(read.DataParameters[1], Is.EqualTo(new PrfIterationVariable(true, 16)));
        Assert.That(read.DataParameters[2], Is.EqualTo(new PrfDkmLength(2, false, 32)));
        Assert.That(read.DataParameters[3], Is.EqualTo(new PrfUnsupportedData(5)), "a key handle reaches the mechanism, which refuses it");
    }

    [Test]
    public void Malformed_sp800108_params_are_CKR_MECHANISM_PARAM_INVALID()
    {
        using var mem = new NativeBuffer();
        var counter = mem.Alloc<CK_SP800_108_COUNTER_FORMAT>();
        var data = mem.Alloc<CK_PRF_DATA_PARAM>();
        var p = mem.Alloc<CK_SP800_108_KDF_PARAMS>();
        int size = sizeof(CK_SP800_108_KDF_PARAMS);
        CKR Try() => Fails(mem, CKM.CKM_SP800_108_COUNTER_KDF, p, size);

        data[0] = new CK_PRF_DATA_PARAM { type = 1, pValue = counter, ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_COUNTER_FORMAT) };
        *p = new CK_SP800_108_KDF_PARAMS { prfType = (CK_ULONG)(uint)CKM.CKM_SHA256_HMAC, ulNumberOfDataParams = 1, pDataParams = null };
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "pDataParams NULL");
        p->pDataParams = data;
        p->ulNumberOfDataParams = 65;
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "too many data parameters");
        p->ulNumberOfDataParams = 1;
        size = sizeof(CK_SP800_108_KDF_PARAMS) - 1;
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "short structure");
        size = sizeof(CK_SP800_108_KDF_PARAMS);
        data[0].ulValueLen = 1;
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "counter format of the wrong size");
        data[0].ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_COUNTER_FORMAT);
        data[0].pValue = null;
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "counter format NULL");
        data[0] = new CK_PRF_DATA_PARAM { type = 4, pValue = null, ulValueLen = 3 };
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "byte array NULL");
        data[0] = new CK_PRF_DATA_PARAM { type = 4, pValue = mem.Bytes(1), ulValueLen = 0 };
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "empty byte array");
        data[0] = new CK_PRF_DATA_PARAM { type = 1, pValue = counter, ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_COUNTER_FORMAT) };
        p->ulAdditionalDerivedKeys = 1;
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a count without an array");
        p->ulAdditionalDerivedKeys = 0;
        p->pAdditionalDerivedKeys = mem.Alloc<CK_DERIVED_KEY>();
        Assert.That(Try(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "an array without a count");
    }

    [Test]
    public void Hkdf_params_copy_salt_and_info()
    {
        using var mem = new NativeBuffer();
        var p = mem.Alloc<CK_HKDF_PARAMS>();
        *p = new CK_HKDF_PARAMS
        {
            bExtract = 1, bExpand = 0, prfHashMechanism = (CK_ULONG)(uint)CKM.CKM_SHA384, ulSaltType = 2,
            pSalt = mem.Bytes(1, 2, 3), ulSaltLen = 3, hSaltKey = 9, pInfo = mem.Bytes(4), ulInfoLen = 1,
        };
        var read = (HkdfParameter)Read(mem, CKM.CKM_HKDF_DERIVE, p, sizeof(CK_HKDF_PARAMS))!;
        Assert.That((read.Extract, read.Expand, read.PrfHashMechanism, read.SaltType, read.SaltKeyHandle),
            Is.EqualTo((true, false, (ulong)CKM.CKM_SHA384, 2UL, 9UL)));
        Assert.That(read.Salt, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(read.Info, Is.EqualTo(new byte[] { 4 }));

        p->pSalt = null;
        Assert.That(Fails(mem, CKM.CKM_HKDF_DERIVE, p, sizeof(CK_HKDF_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "salt NULL with a length");
        p->ulSaltLen = 0;
        p->pInfo = null;
        Assert.That(Fails(mem, CKM.CKM_HKDF_DERIVE, p, sizeof(CK_HKDF_PARAMS)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "info NULL with a length");
        p->ulInfoLen = 0;
        Assert.That(((HkdfParameter)Read(mem, CKM.CKM_HKDF_DERIVE, p, sizeof(CK_HKDF_PARAMS))!).Salt, Is.Empty, "NULL with 0 is empty");
        Assert.That(Fails(mem, CKM.CKM_HKDF_DERIVE, p, sizeof(CK_HKDF_PARAMS) + 8), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "wrong size");
    }
}
