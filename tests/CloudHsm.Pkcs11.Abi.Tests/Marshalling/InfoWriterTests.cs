using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>Blank-padded CK_*_INFO strings.</summary>
[TestFixture]
public class InfoWriterTests
{
    [Test]
    public void StringsAreBlankPaddedNotNulTerminated()
    {
        var field = new byte[8];
        InfoWriter.Pad("abc", field);
        Assert.That(field, Is.EqualTo("abc     "u8.ToArray()));
    }

    [Test]
    public void LongStringsAreCutAtACharacterBoundary()
    {
        var field = new byte[4];
        InfoWriter.Pad("abcé", field); // é is two bytes in UTF-8 and does not fit whole
        Assert.That(field, Is.EqualTo("abc "u8.ToArray()));
    }
}
