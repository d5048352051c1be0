using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using P11 = Net.Pkcs11Interop.LowLevelAPI80;

namespace CloudHsm.Pkcs11.Abi.Tests;

/// <summary>
/// The CK_* structs must match the C header byte for byte: a caller indexes into them by offset.
/// Expected values come from the C compiler (<see cref="LinuxX64Layout"/>) and, independently,
/// from Pkcs11Interop's LowLevelAPI80 structs — the variant it picks on 64-bit Unix.
/// </summary>
[TestFixture]
public class StructLayoutTests
{
    private static readonly IReadOnlyDictionary<string, Type> Ours = new Dictionary<string, Type>
    {
        ["CK_VERSION"] = typeof(CK_VERSION),
        ["CK_INFO"] = typeof(CK_INFO),
        ["CK_SLOT_INFO"] = typeof(CK_SLOT_INFO),
        ["CK_TOKEN_INFO"] = typeof(CK_TOKEN_INFO),
        ["CK_SESSION_INFO"] = typeof(CK_SESSION_INFO),
        ["CK_ATTRIBUTE"] = typeof(CK_ATTRIBUTE),
        ["CK_MECHANISM"] = typeof(CK_MECHANISM),
        ["CK_MECHANISM_INFO"] = typeof(CK_MECHANISM_INFO),
        ["CK_C_INITIALIZE_ARGS"] = typeof(CK_C_INITIALIZE_ARGS),
        ["CK_DATE"] = typeof(CK_DATE),
        ["CK_INTERFACE"] = typeof(CK_INTERFACE),
        ["CK_FUNCTION_LIST"] = typeof(CK_FUNCTION_LIST),
    };

    /// <summary>Pkcs11Interop keeps its CK_FUNCTION_LIST internal.</summary>
    private static readonly Type InteropFunctionList =
        typeof(P11.CK_ATTRIBUTE).Assembly.GetType("Net.Pkcs11Interop.LowLevelAPI80.CK_FUNCTION_LIST", throwOnError: true)!;

    /// <summary>Pkcs11Interop 5.3.0 has no CK_DATE or CK_INTERFACE (it is 2.40 only).</summary>
    private static readonly IReadOnlyDictionary<string, Type> Interop = new Dictionary<string, Type>
    {
        ["CK_VERSION"] = typeof(P11.CK_VERSION),
        ["CK_INFO"] = typeof(P11.CK_INFO),
        ["CK_SLOT_INFO"] = typeof(P11.CK_SLOT_INFO),
        ["CK_TOKEN_INFO"] = typeof(P11.CK_TOKEN_INFO),
        ["CK_SESSION_INFO"] = typeof(P11.CK_SESSION_INFO),
        ["CK_ATTRIBUTE"] = typeof(P11.CK_ATTRIBUTE),
        ["CK_MECHANISM"] = typeof(P11.CK_MECHANISM),
        ["CK_MECHANISM_INFO"] = typeof(P11.CK_MECHANISM_INFO),
        ["CK_C_INITIALIZE_ARGS"] = typeof(P11.CK_C_INITIALIZE_ARGS),
        ["CK_FUNCTION_LIST"] = InteropFunctionList,
    };

    private static bool IsLinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private static void RequireLinuxX64()
    {
        if (!IsLinuxX64) Assert.Ignore("the expected values are linux-x64's");
    }

    public static IEnumerable<string> StructNames => LinuxX64Layout.Sizes.Keys;

    public static IEnumerable<TestCaseData> FieldOffsets =>
        LinuxX64Layout.Offsets.Select(o => new TestCaseData(o.Struct, o.Field, o.Offset).SetArgDisplayNames($"{o.Struct}.{o.Field}"));

    /// <summary>Only the structs Pkcs11Interop also defines.</summary>
    public static IEnumerable<TestCaseData> InteropFieldOffsets => FieldOffsets.Where(c => Interop.ContainsKey((string)c.Arguments[0]!));

    public static IEnumerable<string> InteropStructNames => Interop.Keys;

    [Test]
    public void EveryStructHasExpectedValuesAndEveryFieldIsListed()
    {
        Assert.That(Ours.Keys, Is.EquivalentTo(LinuxX64Layout.Sizes.Keys));
        Assert.That(WindowsLayout.Sizes.Keys, Is.EquivalentTo(LinuxX64Layout.Sizes.Keys));
        foreach (var (name, type) in Ours)
        {
            var listed = LinuxX64Layout.Offsets.Where(o => o.Struct == name).Select(o => o.Field);
            Assert.That(InstanceFields(type).Select(f => f.Name), Is.EqualTo(listed), name);
        }
    }

    [TestCaseSource(nameof(StructNames))]
    public void SizeMatchesTheCHeader(string name)
    {
        var expected = OperatingSystem.IsWindows() ? WindowsLayout.Sizes[name] : LinuxX64Layout.Sizes[name];
        if (!OperatingSystem.IsWindows()) RequireLinuxX64();
        Assert.That(UnmanagedSize(Ours[name]), Is.EqualTo(expected));
        Assert.That(Marshal.SizeOf(Ours[name]), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(FieldOffsets))]
    public void OffsetMatchesTheCHeader(string name, string field, int expected)
    {
        RequireLinuxX64();
        Assert.That((int)Marshal.OffsetOf(Ours[name], field), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(InteropFieldOffsets))]
    public void OffsetMatchesPkcs11Interop(string name, string field, int expected)
    {
        RequireLinuxX64();
        var theirs = Interop[name];
        var theirField = InstanceFields(theirs).Single(f => SameField(field, f.Name));
        Assert.That((int)Marshal.OffsetOf(theirs, theirField.Name), Is.EqualTo((int)Marshal.OffsetOf(Ours[name], field)));
    }

    [TestCaseSource(nameof(InteropStructNames))]
    public void SizeMatchesPkcs11Interop(string name)
    {
        RequireLinuxX64();
        var theirs = Interop[name];
        Assert.That(Marshal.SizeOf(theirs), Is.EqualTo(UnmanagedSize(Ours[name])));
    }

    [Test]
    public void FunctionListHoldsThe68FunctionsOf240AfterTheVersion()
    {
        var fields = InstanceFields(typeof(CK_FUNCTION_LIST)).ToList();
        Assert.That(fields, Has.Count.EqualTo(1 + CK_FUNCTION_LIST.FunctionCount));
        Assert.That(CK_FUNCTION_LIST.FunctionCount, Is.EqualTo(68));
        Assert.That(fields.Skip(1).Select(f => f.Name), Is.EqualTo(InstanceFields(InteropFunctionList).Skip(1).Select(f => f.Name)),
            "same names in the same order as Pkcs11Interop's list");
    }

    [Test]
    public unsafe void CkULongIsTheCLongWidth()
    {
        int expected = OperatingSystem.IsWindows() ? 4 : IntPtr.Size;
        Assert.That(sizeof(CK_ULONG), Is.EqualTo(expected));
        Assert.That(CkLayout.ULongSize, Is.EqualTo(expected));
        Assert.That((ulong)CkLayout.UnavailableInformation, Is.EqualTo(expected == 8 ? ulong.MaxValue : uint.MaxValue));
    }

    private static IEnumerable<FieldInfo> InstanceFields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => (int)Marshal.OffsetOf(type, f.Name));

    private static int UnmanagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>Pkcs11Interop renames fields (pValue → value, ulValueLen → valueLen, slotID → SlotId):
    /// compare without the Hungarian prefix and case.</summary>
    private static bool SameField(string ours, string theirs) =>
        string.Equals(ours, theirs, StringComparison.OrdinalIgnoreCase) ||
        string.Equals(StripPrefix(ours), theirs, StringComparison.OrdinalIgnoreCase);

    private static string StripPrefix(string name)
    {
        foreach (var prefix in new[] { "ul", "p" })
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && char.IsUpper(name[prefix.Length]))
                return name[prefix.Length..];
        return name;
    }
}
