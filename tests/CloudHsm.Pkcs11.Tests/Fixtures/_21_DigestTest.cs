using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_DigestInit / C_Digest / C_DigestUpdate / C_DigestKey / C_DigestFinal (spec 5.12) with FIPS 180-4 vectors.</summary>
public sealed class _21_DigestTest : ReadOnlySessionFixture
{
    public static IEnumerable<TestCaseData> Vectors() =>
        from m in TestData.AllDigests
        from v in TestData.DigestVectors
        select new TestCaseData(m, v).SetName($"{m} {v.Name}");

    public static IEnumerable<CKM> Digests => TestData.AllDigests;

    /// <summary>C_DigestInit, ignoring the test for an optional mechanism the module does not offer.</summary>
    private void Init(CKM mechanism)
    {
        CKR rv = P11.DigestInit(Session, mechanism);
        if (rv == CKR.CKR_MECHANISM_INVALID && !TestData.RequiredDigests.Contains(mechanism))
            Assert.Ignore($"{mechanism}: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), $"C_DigestInit({mechanism})");
    }

    private byte[] Final()
    {
        ulong len = 0;
        P11.Ok(Module.Low.C_DigestFinal(Session, null, ref len), "C_DigestFinal(size query)");
        var d = new byte[len];
        P11.Ok(Module.Low.C_DigestFinal(Session, d, ref len), "C_DigestFinal");
        return d.Take((int)len).ToArray();
    }

    private void Update(byte[] part) => P11.Ok(Module.Low.C_DigestUpdate(Session, part, (ulong)part.Length), "C_DigestUpdate");

    [TestCaseSource(nameof(Vectors))]
    public void Single_part_known_answer(CKM mechanism, TestData.DigestVector vector)
    {
        Init(mechanism);
        ulong len = 0;
        P11.Ok(Module.Low.C_Digest(Session, vector.Message, (ulong)vector.Message.Length, null, ref len), "C_Digest(size query)");
        Assert.That(len, Is.EqualTo((ulong)TestData.DigestLength(mechanism)), "digest length");
        var digest = new byte[len];
        P11.Ok(Module.Low.C_Digest(Session, vector.Message, (ulong)vector.Message.Length, digest, ref len), "C_Digest");
        Assert.That(Convert.ToHexString(digest).ToLowerInvariant(), Is.EqualTo(vector.Digests[mechanism]), $"{mechanism}({vector.Name})");
    }

    [TestCaseSource(nameof(Vectors))]
    public void Multi_part_known_answer(CKM mechanism, TestData.DigestVector vector)
    {
        Init(mechanism);
        int[] chunkSizes = [1, 7, 64, 65, 1000, 4096];
        int offset = 0, i = 0;
        while (offset < vector.Message.Length)
        {
            int n = Math.Min(chunkSizes[i++ % chunkSizes.Length], vector.Message.Length - offset);
            Update(vector.Message[offset..(offset + n)]);
            offset += n;
        }
        Update([]);   // an empty part changes nothing
        Assert.That(Convert.ToHexString(Final()).ToLowerInvariant(), Is.EqualTo(vector.Digests[mechanism]), $"{mechanism}({vector.Name}) in parts");
    }

    [TestCaseSource(nameof(Digests))]
    public void Random_inputs_match_dotnet(CKM mechanism)
    {
        foreach (int length in new[] { 1, 55, 56, 63, 64, 111, 112, 127, 128, 129, 10_000 })
        {
            byte[] data = TestData.Random(length);
            byte[]? expected = TestData.DotNetDigest(mechanism, data);
            if (expected is null) Assert.Ignore($"no .NET implementation of {mechanism} to compare with (its KATs cover it)");
            Init(mechanism);
            ulong len = 64;
            var digest = new byte[64];
            P11.Ok(Module.Low.C_Digest(Session, data, (ulong)data.Length, digest, ref len), "C_Digest");
            Assert.That(digest.Take((int)len), Is.EqualTo(expected), $"{mechanism} of {length} random bytes");
        }
    }

    [Test]
    public void Size_query_keeps_the_operation_active()
    {
        byte[] data = "abc"u8.ToArray();
        Init(CKM.CKM_SHA256);
        ulong len = 0;
        P11.Ok(Module.Low.C_Digest(Session, data, 3, null, ref len), "C_Digest(pDigest = NULL)");
        P11.Ok(Module.Low.C_Digest(Session, data, 3, null, ref len), "C_Digest(pDigest = NULL) again: still active");
        Assert.That(len, Is.EqualTo(32UL));
        var digest = new byte[32];
        P11.Ok(Module.Low.C_Digest(Session, data, 3, digest, ref len), "C_Digest after the size queries");
        Assert.That(digest, Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    public void Too_small_buffer_returns_CKR_BUFFER_TOO_SMALL_with_the_length_and_keeps_the_operation()
    {
        byte[] data = "abc"u8.ToArray();
        Init(CKM.CKM_SHA384);
        var small = new byte[47];
        ulong len = (ulong)small.Length;
        Assert.That(Module.Low.C_Digest(Session, data, 3, small, ref len), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_Digest with 47 bytes for SHA-384");
        Assert.That(len, Is.EqualTo(48UL), "*pulDigestLen is set to the needed length");
        var digest = new byte[48];
        P11.Ok(Module.Low.C_Digest(Session, data, 3, digest, ref len), "C_Digest after CKR_BUFFER_TOO_SMALL: still active");
        Assert.That(digest, Is.EqualTo(SHA384.HashData(data)));

        Init(CKM.CKM_SHA512);
        Update(data);
        len = 10;
        Assert.That(Module.Low.C_DigestFinal(Session, new byte[10], ref len), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_DigestFinal with 10 bytes");
        Assert.That(len, Is.EqualTo(64UL), "*pulDigestLen is set to the needed length");
        Assert.That(Final(), Is.EqualTo(SHA512.HashData(data)), "C_DigestFinal after CKR_BUFFER_TOO_SMALL");
    }

    [Test]
    public void A_finished_operation_is_no_longer_active()
    {
        P11.Digest(Session, CKM.CKM_SHA256, [1, 2, 3]);
        ulong len = 32;
        var d = new byte[32];
        Assert.That(Module.Low.C_Digest(Session, [1], 1, d, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Digest after C_Digest finished");
        Assert.That(Module.Low.C_DigestUpdate(Session, [1], 1), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_DigestUpdate after C_Digest finished");

        Init(CKM.CKM_SHA256);
        Update([1]);
        Final();
        len = 32;
        Assert.That(Module.Low.C_DigestFinal(Session, d, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_DigestFinal after C_DigestFinal finished");
    }

    [Test]
    public void Without_C_DigestInit_returns_CKR_OPERATION_NOT_INITIALIZED()
    {
        ulong len = 32;
        var d = new byte[32];
        Assert.That(Module.Low.C_Digest(Session, [1], 1, d, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Digest");
        Assert.That(Module.Low.C_DigestUpdate(Session, [1], 1), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_DigestUpdate");
        Assert.That(Module.Low.C_DigestFinal(Session, d, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_DigestFinal");
        Assert.That(Module.Low.C_DigestKey(Session, 1), Is.AnyOf(CKR.CKR_OPERATION_NOT_INITIALIZED, CKR.CKR_KEY_HANDLE_INVALID), "C_DigestKey");
    }

    [Test]
    public void Second_C_DigestInit_returns_CKR_OPERATION_ACTIVE_and_leaves_the_first_running()
    {
        Init(CKM.CKM_SHA_1);
        Update("ab"u8.ToArray());
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OPERATION_ACTIVE), "C_DigestInit while digesting");
        Update("c"u8.ToArray());
        Assert.That(Final(), Is.EqualTo(SHA1.HashData("abc"u8.ToArray())), "the first operation (SHA-1) went on");
    }

    /// <summary>PKCS#11 3.0: C_DigestInit with pMechanism = NULL_PTR terminates the active operation.</summary>
    [Test]
    public unsafe void C_DigestInit_with_NULL_mechanism_cancels_the_operation()
    {
        Init(CKM.CKM_SHA256);
        Update([1, 2, 3]);
        Assert.That(Module.Raw.C_DigestInit(Session, null), Is.EqualTo(CKR.CKR_OK), "C_DigestInit(NULL) cancels");
        Assert.That(Module.Low.C_DigestUpdate(Session, [1], 1), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "nothing active after the cancel");
        Init(CKM.CKM_SHA256);
        Update("abc"u8.ToArray());
        Assert.That(Final(), Is.EqualTo(SHA256.HashData("abc"u8.ToArray())), "a new operation starts cleanly");
    }

    [Test]
    public void C_DigestKey_digests_the_secret_key_value_between_updates()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        byte[] value = TestData.Random(32), prefix = TestData.Random(13), suffix = TestData.Random(7);
        foreach (Attr[] template in new[] { TestData.GenericSecret(P11.UniqueLabel("dk-gen"), value), TestData.AesKey(P11.UniqueLabel("dk-aes"), value) })
        {
            ulong key = P11.Create(s, template);
            P11.Ok(P11.DigestInit(s, CKM.CKM_SHA256), "C_DigestInit");
            P11.Ok(Module.Low.C_DigestUpdate(s, prefix, (ulong)prefix.Length), "C_DigestUpdate(prefix)");
            P11.Ok(Module.Low.C_DigestKey(s, key), "C_DigestKey");
            P11.Ok(Module.Low.C_DigestUpdate(s, suffix, (ulong)suffix.Length), "C_DigestUpdate(suffix)");
            ulong len = 32;
            var d = new byte[32];
            P11.Ok(Module.Low.C_DigestFinal(s, d, ref len), "C_DigestFinal");
            Assert.That(d, Is.EqualTo(SHA256.HashData([.. prefix, .. value, .. suffix])), "SHA-256(prefix || CKA_VALUE || suffix)");
        }
    }

    [Test]
    public void C_DigestKey_with_an_invalid_key_returns_CKR_KEY_HANDLE_INVALID()
    {
        Init(CKM.CKM_SHA256);
        Assert.That(Module.Low.C_DigestKey(Session, Ck.InvalidObject), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID), "C_DigestKey(invalid handle)");
        ulong other = P11.OpenRw();
        ulong data = P11.Create(other, TestData.DataObject(P11.UniqueLabel("not-a-key")));
        P11.Ok(P11.DigestInit(other, CKM.CKM_SHA256), "C_DigestInit");
        Assert.That(Module.Low.C_DigestKey(other, data), Is.AnyOf(CKR.CKR_KEY_HANDLE_INVALID, CKR.CKR_KEY_INDIGESTIBLE), "C_DigestKey(data object)");
    }

    [Test]
    public void Unknown_mechanism_returns_CKR_MECHANISM_INVALID()
    {
        CK_MECHANISM m = CkmUtils.CreateMechanism(Ck.UnknownMechanism);
        Assert.That(Module.Low.C_DigestInit(Session, ref m), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_DigestInit(unknown mechanism)");
        Assert.That(P11.DigestInit(Session, CKM.CKM_AES_ECB), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_DigestInit(CKM_AES_ECB): not a digest");
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OK), "no operation was left behind");
    }

    [Test]
    public void Parameter_for_a_parameterless_digest_returns_CKR_MECHANISM_PARAM_INVALID()
    {
        CK_MECHANISM m = CkmUtils.CreateMechanism(CKM.CKM_SHA256, new byte[] { 1, 2, 3, 4 });
        try
        {
            Assert.That(Module.Low.C_DigestInit(Session, ref m), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "C_DigestInit(CKM_SHA256 with a 4-byte parameter)");
        }
        finally
        {
            UnmanagedMemory.Free(ref m.Parameter);
        }
    }

    [Test]
    public unsafe void Input_and_output_may_share_a_buffer()
    {
        Init(CKM.CKM_SHA256);
        byte[] buffer = new byte[64];
        "abc"u8.CopyTo(buffer);
        ulong len = 64;
        fixed (byte* p = buffer)
            Assert.That(Module.Raw.C_Digest(Session, p, 3, p, &len), Is.EqualTo(CKR.CKR_OK), "C_Digest with pData == pDigest");
        Assert.That(buffer.Take(32), Is.EqualTo(SHA256.HashData("abc"u8.ToArray())));
    }

    [Test]
    public unsafe void Zero_length_data_may_be_NULL()
    {
        Init(CKM.CKM_SHA256);
        byte* digest = stackalloc byte[32];
        ulong len = 32;
        Assert.That(Module.Raw.C_Digest(Session, null, 0, digest, &len), Is.EqualTo(CKR.CKR_OK), "C_Digest(pData = NULL, ulDataLen = 0)");
        Assert.That(new ReadOnlySpan<byte>(digest, 32).ToArray(), Is.EqualTo(SHA256.HashData([])), "SHA-256 of nothing");
        Init(CKM.CKM_SHA256);
        Assert.That(Module.Raw.C_DigestUpdate(Session, null, 0), Is.EqualTo(CKR.CKR_OK), "C_DigestUpdate(NULL, 0)");
        Assert.That(Final(), Is.EqualTo(SHA256.HashData([])));
    }

    /// <summary>
    /// Each bad call is made on its own fresh operation. A C_Digest / C_DigestFinal that fails with anything but
    /// CKR_BUFFER_TOO_SMALL ends the operation (spec 5.12), as does a failing C_DigestUpdate: C_DigestInit works again.
    /// </summary>
    [Test]
    public unsafe void NULL_pointers_with_lengths_return_CKR_ARGUMENTS_BAD_and_end_the_operation()
    {
        byte* buf = stackalloc byte[64];
        ulong len = 64;
        Init(CKM.CKM_SHA256);
        Assert.That(Module.Raw.C_Digest(Session, buf, 3, buf, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_Digest(pulDigestLen = NULL)");
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OK), "the failed C_Digest ended the operation");
        Assert.That(Module.Raw.C_Digest(Session, null, 5, buf, &len), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_Digest(pData = NULL, ulDataLen = 5)");
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OK), "the failed C_Digest ended the operation");
        Assert.That(Module.Raw.C_DigestUpdate(Session, null, 5), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_DigestUpdate(pPart = NULL, ulPartLen = 5)");
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OK), "the failed C_DigestUpdate ended the operation");
        Assert.That(Module.Raw.C_DigestFinal(Session, buf, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_DigestFinal(pulDigestLen = NULL)");
        Assert.That(P11.DigestInit(Session, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_OK), "the failed C_DigestFinal ended the operation");
    }

    [Test]
    public void Sessions_digest_independently()
    {
        ulong other = P11.OpenRo();
        Init(CKM.CKM_SHA256);
        P11.Ok(P11.DigestInit(other, CKM.CKM_SHA512), "C_DigestInit in a second session");
        Update("ab"u8.ToArray());
        P11.Ok(Module.Low.C_DigestUpdate(other, "xy"u8.ToArray(), 2), "C_DigestUpdate in the second session");
        Update("c"u8.ToArray());
        Assert.That(Final(), Is.EqualTo(SHA256.HashData("abc"u8.ToArray())), "session 1");
        ulong len = 64;
        var d = new byte[64];
        P11.Ok(Module.Low.C_DigestFinal(other, d, ref len), "C_DigestFinal in the second session");
        Assert.That(d, Is.EqualTo(SHA512.HashData("xy"u8.ToArray())), "session 2");
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(P11.DigestInit(Ck.InvalidSession, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_DigestInit(invalid session)");
    }

    [Test]
    public void High_level_Digest_agrees()
    {
        var slot = Module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.SlotId == Module.MainSlot);
        using var session = slot.OpenSession(SessionType.ReadOnly);
        var mechanism = Settings.Factories.MechanismFactory.Create(CKM.CKM_SHA256);
        Assert.That(session.Digest(mechanism, "abc"u8.ToArray()), Is.EqualTo(SHA256.HashData("abc"u8.ToArray())), "Pkcs11Interop ISession.Digest");
        using var stream = new MemoryStream(TestData.DigestVectors[3].Message);
        Assert.That(Convert.ToHexString(session.Digest(mechanism, stream)).ToLowerInvariant(), Is.EqualTo(TestData.DigestVectors[3].Digests[CKM.CKM_SHA256]),
            "Pkcs11Interop streamed (multi-part) digest of a million 'a'");
    }
}
