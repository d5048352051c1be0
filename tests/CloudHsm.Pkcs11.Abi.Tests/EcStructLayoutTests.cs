using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi.Tests;

/// <summary>
/// The elliptic curve family's parameter structures (PKCS#11 §6.3) against the C layout: sizes and offsets
/// printed once by gcc 12 on linux-x64 — CK_ECDH1_DERIVE_PARAMS from Debian's p11-kit pkcs11.h, CK_EDDSA_PARAMS
/// (which that 2.40 header lacks) as declared in OASIS pkcs11t.h 3.0. Windows sizes follow from Pack = 1, a
/// 4-byte CK_ULONG and 8-byte pointers. Kept apart from <see cref="StructLayoutTests"/> so the families can add
/// their structs side by side.
/// </summary>
[TestFixture]
public class EcStructLayoutTests
{
    private static readonly (Type Type, int Linux, int Windows)[] Sizes =
    [
        (typeof(CK_ECDH1_DERIVE_PARAMS), 40, 28),
        (typeof(CK_EDDSA_PARAMS), 24, 13),
    ];

    private static readonly (Type Type, string Field, int Offset)[] LinuxOffsets =
    [
        (typeof(CK_ECDH1_DERIVE_PARAMS), "kdf", 0),
        (typeof(CK_ECDH1_DERIVE_PARAMS), "ulSharedDataLen", 8),
        (typeof(CK_ECDH1_DERIVE_PARAMS), "pSharedData", 16),
        (typeof(CK_ECDH1_DERIVE_PARAMS), "ulPublicDataLen", 24),
        (typeof(CK_ECDH1_DERIVE_PARAMS), "pPublicData", 32),
        (typeof(CK_EDDSA_PARAMS), "phFlag", 0),
        (typeof(CK_EDDSA_PARAMS), "ulContextDataLen", 8),
        (typeof(CK_EDDSA_PARAMS), "pContextData", 16),
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
