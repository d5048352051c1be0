using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using P11 = Net.Pkcs11Interop.LowLevelAPI80.MechanismParams;

namespace CloudHsm.Pkcs11.Abi.Tests;

/// <summary>
/// The RSA mechanism parameter structs against the C header. Expected linux-x64 values from gcc with
/// p11-kit's pkcs11.h (CK_RSA_AES_KEY_WRAP_PARAMS, which p11-kit lacks, as published in pkcs11t.h 3.01),
/// cross-checked with Pkcs11Interop's LowLevelAPI80 structs.
/// </summary>
[TestFixture]
public class RsaStructLayoutTests
{
    public static IEnumerable<TestCaseData> Offsets =>
    [
        new TestCaseData(typeof(CK_RSA_PKCS_PSS_PARAMS), 24, new[] { ("hashAlg", 0), ("mgf", 8), ("sLen", 16) }).SetArgDisplayNames("CK_RSA_PKCS_PSS_PARAMS"),
        new TestCaseData(typeof(CK_RSA_PKCS_OAEP_PARAMS), 40,
            new[] { ("hashAlg", 0), ("mgf", 8), ("source", 16), ("pSourceData", 24), ("ulSourceDataLen", 32) }).SetArgDisplayNames("CK_RSA_PKCS_OAEP_PARAMS"),
        new TestCaseData(typeof(CK_RSA_AES_KEY_WRAP_PARAMS), 16, new[] { ("ulAESKeyBits", 0), ("pOAEPParams", 8) }).SetArgDisplayNames("CK_RSA_AES_KEY_WRAP_PARAMS"),
    ];

    [TestCaseSource(nameof(Offsets))]
    public void Layout_matches_the_C_header(Type type, int size, (string Field, int Offset)[] fields)
    {
        if (!(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64))
            Assert.Ignore("the expected values are linux-x64's");
        Assert.That(Marshal.SizeOf(type), Is.EqualTo(size));
        Assert.That(type.GetFields().Select(f => f.Name), Is.EqualTo(fields.Select(f => f.Field)), "every field, in order");
        foreach (var (field, offset) in fields)
            Assert.That((int)Marshal.OffsetOf(type, field), Is.EqualTo(offset), field);
    }

    [Test]
    public unsafe void Sizes_match_Pkcs11Interop()
    {
        if (!(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64))
            Assert.Ignore("LowLevelAPI80 is the linux-x64 variant");
        Assert.That(sizeof(CK_RSA_PKCS_PSS_PARAMS), Is.EqualTo(Marshal.SizeOf<P11.CK_RSA_PKCS_PSS_PARAMS>()));
        Assert.That(sizeof(CK_RSA_PKCS_OAEP_PARAMS), Is.EqualTo(Marshal.SizeOf<P11.CK_RSA_PKCS_OAEP_PARAMS>()));
        Assert.That(sizeof(CK_RSA_AES_KEY_WRAP_PARAMS), Is.EqualTo(Marshal.SizeOf<P11.CK_RSA_AES_KEY_WRAP_PARAMS>()));
        Assert.That(Unsafe.SizeOf<CK_RSA_PKCS_OAEP_PARAMS>(), Is.EqualTo(5 * sizeof(CK_ULONG)));
    }
}
