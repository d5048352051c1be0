using CloudHsm.Core.Objects;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>New object identities are RFC 9562 version 7 UUIDs, as Guid.CreateVersion7 made them.</summary>
public class ObjectUidTests
{
    [Test]
    public void An_identity_is_a_version_7_uuid_of_the_current_millisecond()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var uid = ObjectUid.New();
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Span<byte> bytes = stackalloc byte[16];
        Assert.That(uid.TryWriteBytes(bytes, bigEndian: true, out _), Is.True);
        long ms = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >>> 16;
        Assert.Multiple(() =>
        {
            Assert.That(uid.Version, Is.EqualTo(7));
            Assert.That(uid.Variant & 0xC, Is.EqualTo(0x8), "RFC 9562 variant 10xx");
            Assert.That(ms, Is.InRange(before, after));
        });
    }

    [Test]
    public void Identities_do_not_repeat()
    {
        var seen = new HashSet<Guid>();
        for (int i = 0; i < 10_000; i++)
            Assert.That(seen.Add(ObjectUid.New()), Is.True);
    }
}
