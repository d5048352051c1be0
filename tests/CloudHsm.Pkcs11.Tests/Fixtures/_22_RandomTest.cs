using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GenerateRandom and C_SeedRandom (spec 5.19).</summary>
public sealed class _22_RandomTest : ReadOnlySessionFixture
{
    private byte[] Random(int n)
    {
        var b = new byte[n];
        P11.Ok(Module.Low.C_GenerateRandom(Session, b, (ulong)n), $"C_GenerateRandom({n})");
        return b;
    }

    [Test]
    public void Outputs_differ_and_look_random()
    {
        byte[] a = Random(32), b = Random(32);
        Assert.That(a, Is.Not.EqualTo(b), "two 32-byte outputs differ");
        Assert.That(a.Any(x => x != 0), Is.True, "not all zero");
        byte[] big = Random(65536);
        Assert.That(big.Distinct().Count(), Is.EqualTo(256), "64 KiB of output uses every byte value");
        double mean = big.Average(x => (double)x);
        Assert.That(mean, Is.InRange(120.0, 135.0), "byte mean near 127.5");
    }

    [Test]
    public void Large_request_is_filled()
    {
        var b = new byte[1 << 20];
        P11.Ok(Module.Low.C_GenerateRandom(Session, b, (ulong)b.Length), "C_GenerateRandom(1 MiB)");
        Assert.That(b.Skip(b.Length - 4096).Any(x => x != 0), Is.True, "the end of the buffer is written too");
    }

    [Test]
    public unsafe void Zero_length_request_succeeds_and_NULL_with_a_length_is_refused()
    {
        Assert.That(Module.Raw.C_GenerateRandom(Session, null, 0), Is.EqualTo(CKR.CKR_OK), "C_GenerateRandom(NULL, 0)");
        Assert.That(Module.Raw.C_GenerateRandom(Session, null, 16), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GenerateRandom(NULL, 16)");
        Assert.That(Module.Raw.C_SeedRandom(Session, null, 16), Is.AnyOf(CKR.CKR_ARGUMENTS_BAD, CKR.CKR_RANDOM_SEED_NOT_SUPPORTED), "C_SeedRandom(NULL, 16)");
    }

    [Test]
    public void Seeding_is_accepted_or_declined_but_never_breaks_the_generator()
    {
        byte[] seed = TestData.Random(32);
        CKR rv = Module.Low.C_SeedRandom(Session, seed, (ulong)seed.Length);
        Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_RANDOM_SEED_NOT_SUPPORTED, CKR.CKR_RANDOM_NO_RNG), "C_SeedRandom");
        byte[] a = Random(32), b = Random(32);
        Assert.That(a, Is.Not.EqualTo(b), "still random after seeding");
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        var b = new byte[8];
        Assert.That(Module.Low.C_GenerateRandom(Ck.InvalidSession, b, 8), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GenerateRandom(invalid session)");
    }
}
