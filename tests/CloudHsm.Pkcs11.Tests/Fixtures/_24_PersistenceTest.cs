using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Token objects live in the token directory: they survive C_Finalize / C_Initialize, and another process
/// using the same directory sees what this one did, and the other way round.
/// </summary>
public sealed class _24_PersistenceTest : Pkcs11Fixture
{
    private static void Restart()
    {
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        P11.Ok(Module.Initialize(), "C_Initialize");
        Module.ForgetSlots();
    }

    [Test]
    public void Token_objects_survive_C_Finalize_and_C_Initialize_and_session_objects_do_not()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        string tag = P11.UniqueLabel("persist");
        byte[] dataValue = TestData.Random(100), aesValue = TestData.Random(32), secretValue = TestData.Random(24);
        P11.Create(s, TestData.DataObject(tag + "-public", token: true, value: dataValue));
        P11.Create(s, TestData.DataObject(tag + "-private", token: true, priv: true, value: dataValue));
        P11.Create(s, TestData.AesKey(tag + "-aes", aesValue, token: true));
        ulong sensitive = P11.Create(s, TestData.GenericSecret(tag + "-sensitive", secretValue, token: true, sensitive: true));
        P11.Create(s, TestData.RsaPrivateKey(tag + "-rsa", TestData.RsaKey, token: true));
        P11.Create(s, TestData.DataObject(tag + "-session", token: false));
        byte[] kcv = P11.Get(s, sensitive, CKA.CKA_CHECK_VALUE);

        Restart();

        s = P11.OpenRw();
        Assert.That(P11.State(s), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "login state does not survive C_Finalize");
        Assert.That(P11.Find(s, Attr.Label(tag + "-private")), Is.Empty, "private objects stay invisible until login");
        P11.LoginUser(s);   // the user PIN survived too
        ulong[] pub = P11.Find(s, Attr.Label(tag + "-public"));
        Assert.That(pub, Has.Length.EqualTo(1), "public token data object");
        Assert.That(P11.Get(s, pub[0], CKA.CKA_VALUE), Is.EqualTo(dataValue), "its CKA_VALUE");
        ulong[] priv = P11.Find(s, Attr.Label(tag + "-private"));
        Assert.That(priv, Has.Length.EqualTo(1), "private token data object");
        Assert.That(P11.Get(s, priv[0], CKA.CKA_VALUE), Is.EqualTo(dataValue), "its CKA_VALUE");
        ulong[] aes = P11.Find(s, Attr.Label(tag + "-aes"));
        Assert.That(aes, Has.Length.EqualTo(1), "AES key");
        Assert.That(P11.Get(s, aes[0], CKA.CKA_VALUE), Is.EqualTo(aesValue), "the AES key's value");
        ulong[] sens = P11.Find(s, Attr.Label(tag + "-sensitive"));
        Assert.That(sens, Has.Length.EqualTo(1), "sensitive secret");
        Assert.That(P11.TryGet(s, sens[0], CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "still sensitive");
        Assert.That(P11.Get(s, sens[0], CKA.CKA_CHECK_VALUE), Is.EqualTo(kcv), "same key value (same check value)");
        ulong[] rsa = P11.Find(s, Attr.Label(tag + "-rsa"));
        Assert.That(rsa, Has.Length.EqualTo(1), "RSA private key");
        Assert.That(P11.Get(s, rsa[0], CKA.CKA_MODULUS), Is.EqualTo(TestData.RsaKey.Modulus), "its modulus");
        Assert.That(P11.Find(s, Attr.Label(tag + "-session")), Is.Empty, "the session object is gone");

        foreach (ulong h in pub.Concat(priv).Concat(aes).Concat(sens).Concat(rsa))
            P11.Ok(P11.Destroy(s, h), "clean-up");
    }

    [Test]
    public void CKA_UNIQUE_ID_is_stable_across_restarts()
    {
        ulong s = P11.OpenRw();
        string label = P11.UniqueLabel("uid");
        ulong h = P11.Create(s, TestData.DataObject(label, token: true));
        byte[] uid = P11.Get(s, h, Ck.CKA_UNIQUE_ID);
        Restart();
        s = P11.OpenRw();
        ulong[] found = P11.Find(s, Attr.Label(label));
        Assert.That(found, Has.Length.EqualTo(1));
        Assert.That(P11.Get(s, found[0], Ck.CKA_UNIQUE_ID), Is.EqualTo(uid), "the token object keeps its CKA_UNIQUE_ID");
        Assert.That(P11.Find(s, Attr.Bytes(Ck.CKA_UNIQUE_ID, uid)), Is.EqualTo(found), "and can be found by it");
        P11.Ok(P11.Destroy(s, found[0]), "clean-up");
    }

    [Test]
    public void Another_process_sees_this_process_s_token_objects()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        string label = P11.UniqueLabel("mine");
        ulong h = P11.Create(s, TestData.DataObject(label, token: true));
        var r = NativeHelpers.RunHelper("probe", ["count", Settings.TokenLabel, Settings.UserPin, label], TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.StdOut, Does.Contain("count 1"), "the other process finds the object this process created:\n" + r);
        P11.Ok(P11.Destroy(s, h), "clean-up");
        r = NativeHelpers.RunHelper("probe", ["count", Settings.TokenLabel, Settings.UserPin, label], TimeSpan.FromMinutes(2));
        Assert.That(r.StdOut, Does.Contain("count 0"), "and no longer after this process destroyed it:\n" + r);
    }

    [Test]
    public void This_process_sees_another_process_s_token_objects_without_restarting()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        string label = P11.UniqueLabel("theirs");
        Assert.That(P11.Find(s, Attr.Label(label)), Is.Empty, "not there before");
        var r = NativeHelpers.RunHelper("probe", ["create", Settings.TokenLabel, Settings.UserPin, label], TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, "the other process creates a token object:\n" + r);
        ulong[] found = P11.Find(s, Attr.Label(label));
        Assert.That(found, Has.Length.EqualTo(1), "a change made by another process is visible here, in an open session");
        Assert.That(P11.Get(s, found[0], CKA.CKA_VALUE), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(label)), "with its value");
        P11.Ok(P11.Destroy(s, found[0]), "this process can destroy it");
    }
}
