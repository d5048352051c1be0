using CloudHsm.Core.Attributes;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>Someone with write access to the token directory rewrites records behind the module's back.</summary>
[TestFixture]
public sealed class TamperedStoreTests : EmbeddedBackendFixture
{
    private static Template AesKey(string label) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
        TemplateAttribute.Bool(CKA.CKA_TOKEN, true),
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, false),
        TemplateAttribute.Utf8(CKA.CKA_LABEL, label),
        new TemplateAttribute(CKA.CKA_VALUE, new byte[32]),
    ]);

    [Test]
    public void AKeySwappedForOneInClearIsRefusedAndTheRestOfTheTokenStillWorks()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        ulong key = Backend.CreateObject(rw, AesKey("victim"));
        Backend.CreateObject(rw, DataObject("bystander", token: true));
        var uid = Guid.Parse(System.Text.Encoding.UTF8.GetString(
            Backend.GetAttributeValue(rw, key, [CKA.CKA_UNIQUE_ID])[0].Value!));

        string serial = Backend.GetTokenInfo(SlotId).SerialNumber;
        using (var attacker = Directory.Open(serial))
        {
            var original = attacker.LoadObjects().Single(r => r.Uid == uid);
            var plain = AttributeCodec.Decode(original.PlainAttributes);
            plain.Add(new(CKA.CKA_VALUE, Enumerable.Repeat((byte)0x41, 32).ToArray()));
            Assert.That(attacker.ReplaceObject(new ObjectRecord(uid, false, AttributeCodec.Encode(plain), [])), Is.True);
        }

        Assert.That(FindAll(rw, ByLabel("victim")), Is.Empty, "key material is only accepted from the sealed part");
        Assert.That(FindAll(rw, ByLabel("bystander")), Has.Length.EqualTo(1));
        Assert.That(Rv(() => Backend.GetObjectSize(rw, key)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));
    }
}
