using System.Text;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>Checks of the fixed-size, blank-padded UTF-8 strings of the CK_*_INFO structures (pkcs11test IS_SPACE_PADDED).</summary>
internal static class InfoAssert
{
    public static void BlankPadded(byte[] field, int expectedLength, string name, bool mayBeEmpty = false)
    {
        Assert.That(field, Has.Length.EqualTo(expectedLength), $"{name} has {expectedLength} bytes");
        Assert.That(field, Has.None.EqualTo((byte)0), $"{name} is blank-padded, not NUL-terminated: {Convert.ToHexString(field)}");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(field);
        }
        catch (DecoderFallbackException)
        {
            Assert.Fail($"{name} is not valid UTF-8: {Convert.ToHexString(field)}");
            return;
        }
        Assert.That(text.Any(char.IsControl), Is.False, $"{name} has control characters: '{text}'");
        if (!mayBeEmpty)
            Assert.That(text.Trim(), Is.Not.Empty, $"{name} is all blanks");
    }
}
