using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Native;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>The two-call convention (STYLE 6.5), as every variable-length output sees it.</summary>
[TestFixture]
public unsafe class OutBufferTests
{
    [Test]
    public void NullLengthPointerIsArgumentsBad()
    {
        var e = Assert.Throws<CkrException>(() => OutBuffer.ForBytes(null, null));
        Assert.That(e!.Rv, Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }

    [Test]
    public void NullBufferIsASizeQueryThatReportsTheLength()
    {
        using var mem = new NativeBuffer();
        var len = mem.ULong(0);
        var output = OutBuffer.ForBytes(null, len);
        Assert.That(output.IsSizeQuery, Is.True);
        Assert.That(output.Deliver([1, 2, 3]), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)*len, Is.EqualTo(3));
    }

    [Test]
    public void ShortBufferGetsTheLengthAndBufferTooSmall()
    {
        using var mem = new NativeBuffer();
        var buf = mem.Alloc<byte>(2);
        var len = mem.ULong(2);
        Assert.That(OutBuffer.ForBytes(buf, len).Deliver([1, 2, 3]), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Assert.That((ulong)*len, Is.EqualTo(3));
        Assert.That(buf[0], Is.Zero, "nothing written");
    }

    [Test]
    public void BigEnoughBufferGetsTheValueAndItsLength()
    {
        using var mem = new NativeBuffer();
        var buf = mem.Alloc<byte>(8);
        var len = mem.ULong(8);
        Assert.That(OutBuffer.ForBytes(buf, len).Deliver([7, 8, 9]), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)*len, Is.EqualTo(3));
        Assert.That(new ReadOnlySpan<byte>(buf, 3).ToArray(), Is.EqualTo(new byte[] { 7, 8, 9 }));
    }

    [Test]
    public void ListsCountElementsNotBytes()
    {
        using var mem = new NativeBuffer();
        var count = mem.ULong(0);
        Assert.That(OutBuffer.ForArray<CK_ULONG>(null, count).DeliverULongs([5, 6]), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)*count, Is.EqualTo(2));

        var list = mem.Alloc<CK_ULONG>(2);
        *count = 1;
        Assert.That(OutBuffer.ForArray(list, count).DeliverULongs([5, 6]), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Assert.That((ulong)*count, Is.EqualTo(2));

        Assert.That(OutBuffer.ForArray(list, count).DeliverULongs([5, 6]), Is.EqualTo(CKR.CKR_OK));
        Assert.That(((ulong)list[0], (ulong)list[1]), Is.EqualTo((5UL, 6UL)));
    }

    [Test]
    public void BackendsTooSmallWritesTheRequiredLengthThroughTheBoundary()
    {
        using var mem = new NativeBuffer();
        var len = mem.ULong(4);
        Assert.That(Boundary.ToCkr(new BufferTooSmallException(256), len), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Assert.That((ulong)*len, Is.EqualTo(256));
    }

    [Test]
    public void BoundaryMapsExceptionsToCodes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Boundary.ToCkr(new CkrException(CKR.CKR_KEY_HANDLE_INVALID)), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
            Assert.That(Boundary.ToCkr(new OutOfMemoryException()), Is.EqualTo(CKR.CKR_HOST_MEMORY));
            Assert.That(Boundary.ToCkr(new System.Security.Cryptography.CryptographicException()), Is.EqualTo(CKR.CKR_FUNCTION_FAILED));
            Assert.That(Boundary.ToCkr(new InvalidOperationException()), Is.EqualTo(CKR.CKR_GENERAL_ERROR));
        });
    }
}
