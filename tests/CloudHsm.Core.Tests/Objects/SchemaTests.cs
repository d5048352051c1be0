using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Objects.Engine;
using CloudHsm.Core.Objects.Tables;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>The tables themselves, and bringing stored objects back.</summary>
public class SchemaTests
{
    [Test]
    public void Every_rule_names_a_known_attribute_and_every_default_is_well_formed()
    {
        foreach (var schema in ObjectSchemas.All)
            foreach (var rule in schema.Rules)
            {
                Assert.That(AttributeCatalog.TryGetKind(rule.Type, out var kind), Is.True, $"{schema.Name} {rule.Type}");
                if (rule.CopyDefault() is { } value)
                    Assert.That(ValueValidator.IsWellFormed(kind, value), Is.True, $"{schema.Name} {rule.Type} default");
            }
    }

    [Test]
    public void The_policy_table_tests_drive_every_supported_type_but_the_other_hmac_keys_and_hkdf()
    {
        CKK[] hmac = [CKK.CKK_SHA_1_HMAC, CKK.CKK_SHA224_HMAC, CKK.CKK_SHA384_HMAC, CKK.CKK_SHA512_HMAC, CKK.CKK_HKDF];
        var driven = SpecTable.Types.Select(t => t.Type)
            .Concat(hmac.Select(k => ObjectTypes.Secret(k, k.ToString(), [1])))
            .Select(t => ObjectEngine.Create(t.Minimal, ObjectContext.User).Schema.Name);
        Assert.That(driven, Is.EquivalentTo(ObjectSchemas.All.Select(s => s.Name)));
    }

    [Test]
    public void A_rule_cannot_claim_a_default_it_does_not_have() =>
        Assert.Throws<ArgumentException>(() => _ = new AttributeRule(CKA.CKA_LABEL, AttributePolicy.HasDefault, null));

    [Test]
    public void Sensitive_attributes_are_only_on_private_and_secret_keys()
    {
        var classes = ObjectSchemas.All.Where(s => s.Rules.Any(r => r.Has(AttributePolicy.Sensitive))).Select(s => s.Class).Distinct();
        Assert.That(classes, Is.EquivalentTo(new[] { CKO.CKO_PRIVATE_KEY, CKO.CKO_SECRET_KEY }));
    }

    [Test]
    public void A_stored_object_comes_back_the_same()
    {
        var original = ObjectEngine.Create(ObjectTypes.RsaPrivate.Minimal.With(T.Text(CKA.CKA_LABEL, "k")), ObjectContext.User);
        var stored = original.Attributes.Where(a => a.Key != CKA.CKA_UNIQUE_ID).ToList();
        var restored = HsmObject.FromStored(original.Uid, stored);
        Assert.Multiple(() =>
        {
            Assert.That(restored.Uid, Is.EqualTo(original.Uid));
            Assert.That(restored.UniqueId, Is.EqualTo(original.UniqueId));
            Assert.That(restored.KeyType, Is.EqualTo(CKK.CKK_RSA));
            Assert.That(restored.Attributes, Is.EquivalentTo(original.Attributes));
            Assert.That(ObjectEngine.Read(restored, CKA.CKA_PRIME_1).Status, Is.EqualTo(Backend.AttributeReadStatus.Sensitive));
        });
    }

    [Test]
    public void A_stored_object_of_no_known_type_is_a_device_error()
    {
        var noClass = new[] { new KeyValuePair<CKA, byte[]>(CKA.CKA_LABEL, []) };
        var badType = new[]
        {
            new KeyValuePair<CKA, byte[]>(CKA.CKA_CLASS, AttributeValues.FromULong((ulong)CKO.CKO_SECRET_KEY)),
            new KeyValuePair<CKA, byte[]>(CKA.CKA_KEY_TYPE, AttributeValues.FromULong((ulong)CKK.CKK_DSA)),
        };
        Assert.That(Assert.Throws<CkrException>(() => HsmObject.FromStored(Guid.NewGuid(), noClass))!.Rv, Is.EqualTo(CKR.CKR_DEVICE_ERROR));
        Assert.That(Assert.Throws<CkrException>(() => HsmObject.FromStored(Guid.NewGuid(), badType))!.Rv, Is.EqualTo(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Key_type_and_typed_getters_read_the_object()
    {
        var key = ObjectEngine.Create(ObjectTypes.Aes.Minimal, ObjectContext.User);
        var cert = ObjectEngine.Create(ObjectTypes.X509.Minimal, ObjectContext.User);
        Assert.Multiple(() =>
        {
            Assert.That(key.KeyType, Is.EqualTo(CKK.CKK_AES));
            Assert.That(cert.KeyType, Is.Null);
            Assert.That(key.GetULong(CKA.CKA_CLASS), Is.EqualTo((ulong)CKO.CKO_SECRET_KEY));
            Assert.That(key.GetULong(CKA.CKA_MODULUS), Is.Null);
            Assert.That(key.GetBool(CKA.CKA_MODULUS, whenAbsent: true), Is.True);
            Assert.That(key.TryGetValue(CKA.CKA_VALUE, out var value) && value.Length == 32, Is.True);
            Assert.That(key.GetValue(CKA.CKA_MODULUS).IsEmpty, Is.True);
        });
    }
}
