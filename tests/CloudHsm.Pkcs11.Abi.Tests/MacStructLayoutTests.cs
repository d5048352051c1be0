using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi.Tests;

/// <summary>
/// The MAC/KDF family's parameter structures (PKCS#11 3.0 §6.42, §6.62) against the C layout: sizes and
/// offsets printed once by gcc 12 on linux-x64 for the declarations of pkcs11t.h 3.0 (Pkcs11Interop 5.3 is
/// 2.40 and has none of them). Windows sizes follow from Pack = 1, a 4-byte CK_ULONG and 8-byte pointers.
/// Kept apart from <see cref="StructLayoutTests"/> so the families can add their structs side by side.
/// </summary>
[TestFixture]
public class MacStructLayoutTests
{
    private static readonly (Type Type, int Linux, int Windows)[] Sizes =
    [
        (typeof(CK_HKDF_PARAMS), 64, 38),
        (typeof(CK_PRF_DATA_PARAM), 24, 16),
        (typeof(CK_SP800_108_COUNTER_FORMAT), 16, 5),
        (typeof(CK_SP800_108_DKM_LENGTH_FORMAT), 24, 9),
        (typeof(CK_DERIVED_KEY), 24, 20),
        (typeof(CK_SP800_108_KDF_PARAMS), 40, 28),
    ];

    private static readonly (Type Type, string Field, int Offset)[] LinuxOffsets =
    [
        (typeof(CK_HKDF_PARAMS), "bExtract", 0),
        (typeof(CK_HKDF_PARAMS), "bExpand", 1),
        (typeof(CK_HKDF_PARAMS), "prfHashMechanism", 8),
        (typeof(CK_HKDF_PARAMS), "ulSaltType", 16),
        (typeof(CK_HKDF_PARAMS), "pSalt", 24),
        (typeof(CK_HKDF_PARAMS), "ulSaltLen", 32),
        (typeof(CK_HKDF_PARAMS), "hSaltKey", 40),
        (typeof(CK_HKDF_PARAMS), "pInfo", 48),
        (typeof(CK_HKDF_PARAMS), "ulInfoLen", 56),
        (typeof(CK_PRF_DATA_PARAM), "type", 0),
        (typeof(CK_PRF_DATA_PARAM), "pValue", 8),
        (typeof(CK_PRF_DATA_PARAM), "ulValueLen", 16),
        (typeof(CK_SP800_108_COUNTER_FORMAT), "bLittleEndian", 0),
        (typeof(CK_SP800_108_COUNTER_FORMAT), "ulWidthInBits", 8),
        (typeof(CK_SP800_108_DKM_LENGTH_FORMAT), "dkmLengthMethod", 0),
        (typeof(CK_SP800_108_DKM_LENGTH_FORMAT), "bLittleEndian", 8),
        (typeof(CK_SP800_108_DKM_LENGTH_FORMAT), "ulWidthInBits", 16),
        (typeof(CK_DERIVED_KEY), "pTemplate", 0),
        (typeof(CK_DERIVED_KEY), "ulAttributeCount", 8),
        (typeof(CK_DERIVED_KEY), "phKey", 16),
        (typeof(CK_SP800_108_KDF_PARAMS), "prfType", 0),
        (typeof(CK_SP800_108_KDF_PARAMS), "ulNumberOfDataParams", 8),
        (typeof(CK_SP800_108_KDF_PARAMS), "pDataParams", 16),
        (typeof(CK_SP800_108_KDF_PARAMS), "ulAdditionalDerivedKeys", 24),
        (typeof(CK_SP800_108_KDF_PARAMS), "pAdditionalDerivedKeys", 32),
    ];

    public static IEnumerable<TestCaseData> SizeCases() =>
        Sizes.Select(s => new TestCaseData(s.Type, s.Linux, s.Windows).SetArgDisplayNames(s.Type.Name));

    public static IEnumerable<TestCaseData> OffsetCases() =>
        LinuxOffsets.Select(o => new TestCaseData(o.Type, o.Field, o.Offset).SetArgDisplayNames($"{o.Type.Name}.{o.Field}"));

    private static bool IsLinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [TestCaseSource(nameof(SizeCases))]
    public void Size_matches_the_C_header(Type type, int linux, int windows)
    {
        if (!OperatingSystem.IsWindows() && !IsLinuxX64) Assert.Ignore("the expected values are linux-x64's and win-x64's");
        Assert.That(Marshal.SizeOf(type), Is.EqualTo(OperatingSystem.IsWindows() ? windows : linux));
    }

    [TestCaseSource(nameof(OffsetCases))]
    public void Offset_matches_the_C_header(Type type, string field, int offset)
    {
        if (!IsLinuxX64) Assert.Ignore("the expected values are linux-x64's");
        Assert.That((int)Marshal.OffsetOf(type, field), Is.EqualTo(offset));
    }

    [Test]
    public void Every_field_is_listed()
    {
        foreach (var (type, _, _) in Sizes)
            Assert.That(type.GetFields().Select(f => f.Name), Is.EquivalentTo(LinuxOffsets.Where(o => o.Type == type).Select(o => o.Field)), type.Name);
    }
}
