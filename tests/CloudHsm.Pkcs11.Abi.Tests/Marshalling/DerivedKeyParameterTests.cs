using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>CK_SP800_108_KDF_PARAMS with CK_DERIVED_KEY entries: the templates are copied for the core, the
/// phKey pointers stay in <see cref="DerivedKeyOutputs"/>, which writes the handles (or CK_INVALID_HANDLE).</summary>
[TestFixture]
public unsafe class DerivedKeyParameterTests
{
    private sealed class Call : IDisposable
    {
        public readonly NativeBuffer Mem = new();
        public readonly CK_SP800_108_KDF_PARAMS* Params;
        public readonly CK_DERIVED_KEY* Keys;
        public readonly CK_OBJECT_HANDLE* Handles;

        public Call(int additional)
        {
            var counter = Mem.Alloc<CK_SP800_108_COUNTER_FORMAT>();
            *counter = new CK_SP800_108_COUNTER_FORMAT { ulWidthInBits = 32 };
            var data = Mem.Alloc<CK_PRF_DATA_PARAM>();
            *data = new CK_PRF_DATA_PARAM { type = 1, pValue = counter, ulValueLen = (CK_ULONG)sizeof(CK_SP800_108_COUNTER_FORMAT) };
            Keys = Mem.Alloc<CK_DERIVED_KEY>(Math.Max(additional, 1));
            Handles = Mem.Alloc<CK_OBJECT_HANDLE>(Math.Max(additional, 1));
            for (int i = 0; i < additional; i++)
            {
                var template = Mem.Alloc<CK_ATTRIBUTE>();
                *template = new CK_ATTRIBUTE { type = (CK_ULONG)(uint)CKA.CKA_VALUE_LEN, pValue = Mem.ULong(16UL + (ulong)i), ulValueLen = (CK_ULONG)sizeof(CK_ULONG) };
                Keys[i] = new CK_DERIVED_KEY { pTemplate = template, ulAttributeCount = 1, phKey = Handles + i };
                Handles[i] = (CK_OBJECT_HANDLE)99u;
            }
            Params = Mem.Alloc<CK_SP800_108_KDF_PARAMS>();
            *Params = new CK_SP800_108_KDF_PARAMS
            {
                prfType = (CK_ULONG)(uint)CKM.CKM_SHA256_HMAC, ulNumberOfDataParams = 1, pDataParams = data,
                ulAdditionalDerivedKeys = (CK_ULONG)(uint)additional, pAdditionalDerivedKeys = additional == 0 ? null : Keys,
            };
        }

        public Sp800108KdfParameter Read(DerivedKeyOutputs outputs)
        {
            var m = Mem.Alloc<CK_MECHANISM>();
            *m = new CK_MECHANISM
            {
                mechanism = (CK_ULONG)(uint)CKM.CKM_SP800_108_COUNTER_KDF, pParameter = Params, ulParameterLen = (CK_ULONG)sizeof(CK_SP800_108_KDF_PARAMS),
            };
            return (Sp800108KdfParameter)MechanismReader.Read(m, outputs).Parameter!;
        }

        public CKR Fails() => Assert.Throws<CkrException>(() => Read(new DerivedKeyOutputs()))!.Rv;

        public void Dispose() => Mem.Dispose();
    }

    [Test]
    public void Templates_are_copied_and_handles_written_back_in_order()
    {
        using var call = new Call(2);
        var outputs = new DerivedKeyOutputs();
        var read = call.Read(outputs);
        Assert.That(read.AdditionalKeys.Select(t => AttributeValues.ToULong(CKA.CKA_VALUE_LEN, t.Find(CKA.CKA_VALUE_LEN)!)), Is.EqualTo((ulong[])[16, 17]));
        Assert.That(outputs.Count, Is.EqualTo(2));
        Assert.That((ulong)call.Handles[0], Is.EqualTo(99UL), "nothing is written before the core returns");

        outputs.Write([7, 8]);
        Assert.That(((ulong)call.Handles[0], (ulong)call.Handles[1]), Is.EqualTo((7UL, 8UL)));
        Assert.That(Assert.Throws<CkrException>(() => outputs.Write([7]))!.Rv, Is.EqualTo(CKR.CKR_GENERAL_ERROR), "a count mismatch");
    }

    [Test]
    public void The_offending_template_gets_CK_INVALID_HANDLE()
    {
        using var call = new Call(2);
        var outputs = new DerivedKeyOutputs();
        call.Read(outputs);
        outputs.MarkFailed(new AdditionalKeyTemplateException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, 1, "test"));
        Assert.That(((ulong)call.Handles[0], (ulong)call.Handles[1]), Is.EqualTo((99UL, 0UL)));
        outputs.MarkFailed(new CkrException(CKR.CKR_KEY_SIZE_RANGE));
        Assert.That((ulong)call.Handles[0], Is.EqualTo(99UL), "another failure names no entry");
    }

    [Test]
    public void No_additional_keys_record_nothing()
    {
        using var call = new Call(0);
        var outputs = new DerivedKeyOutputs();
        Assert.That(call.Read(outputs).AdditionalKeys, Is.Empty);
        Assert.That(outputs.Count, Is.Zero);
        Assert.DoesNotThrow(() => outputs.Write([]));
    }

    [Test]
    public void Malformed_entries_are_CKR_MECHANISM_PARAM_INVALID()
    {
        using var call = new Call(2);
        call.Keys[1].phKey = null;
        Assert.That(call.Fails(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "phKey NULL");
        call.Keys[1].phKey = call.Handles + 1;
        call.Keys[0].pTemplate = null;
        Assert.That(call.Fails(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a template NULL with a count");
        call.Keys[0].ulAttributeCount = 0;
        Assert.That(call.Read(new DerivedKeyOutputs()).AdditionalKeys[0], Is.Empty, "NULL with count 0 is an empty template");
        call.Params->ulAdditionalDerivedKeys = 65;
        Assert.That(call.Fails(), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "too many additional keys");
    }
}
