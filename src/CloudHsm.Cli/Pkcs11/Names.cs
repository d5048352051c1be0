using System.Globalization;
using Net.Pkcs11Interop.Common;
using SpecName = CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Cli.Pkcs11;

/// <summary>Spec names for codes and flags, for output a person can read.</summary>
internal static class Names
{
    private static readonly (ulong Flag, string Name)[] TokenFlags =
    [
        (CKF.CKF_RNG, "rng"),
        (CKF.CKF_WRITE_PROTECTED, "write protected"),
        (CKF.CKF_LOGIN_REQUIRED, "login required"),
        (CKF.CKF_USER_PIN_INITIALIZED, "user PIN initialised"),
        (CKF.CKF_RESTORE_KEY_NOT_NEEDED, "restore key not needed"),
        (CKF.CKF_CLOCK_ON_TOKEN, "clock on token"),
        (CKF.CKF_PROTECTED_AUTHENTICATION_PATH, "protected authentication path"),
        (CKF.CKF_DUAL_CRYPTO_OPERATIONS, "dual crypto operations"),
        (CKF.CKF_TOKEN_INITIALIZED, "token initialised"),
        (CKF.CKF_SECONDARY_AUTHENTICATION, "secondary authentication"),
        (CKF.CKF_USER_PIN_COUNT_LOW, "user PIN count low"),
        (CKF.CKF_USER_PIN_FINAL_TRY, "user PIN final try"),
        (CKF.CKF_USER_PIN_LOCKED, "user PIN locked"),
        (CKF.CKF_USER_PIN_TO_BE_CHANGED, "user PIN to be changed"),
        (CKF.CKF_SO_PIN_COUNT_LOW, "SO PIN count low"),
        (CKF.CKF_SO_PIN_FINAL_TRY, "SO PIN final try"),
        (CKF.CKF_SO_PIN_LOCKED, "SO PIN locked"),
        (CKF.CKF_SO_PIN_TO_BE_CHANGED, "SO PIN to be changed"),
        (CKF.CKF_ERROR_STATE, "error state"),
    ];

    // pkcs11-tool --list-mechanisms spells these the same way.
    private static readonly (ulong Flag, string Name)[] MechanismFlags =
    [
        (CKF.CKF_HW, "hw"),
        (CKF.CKF_ENCRYPT, "encrypt"),
        (CKF.CKF_DECRYPT, "decrypt"),
        (CKF.CKF_DIGEST, "digest"),
        (CKF.CKF_SIGN, "sign"),
        (CKF.CKF_SIGN_RECOVER, "sign_recover"),
        (CKF.CKF_VERIFY, "verify"),
        (CKF.CKF_VERIFY_RECOVER, "verify_recover"),
        (CKF.CKF_GENERATE, "generate"),
        (CKF.CKF_GENERATE_KEY_PAIR, "generate_key_pair"),
        (CKF.CKF_WRAP, "wrap"),
        (CKF.CKF_UNWRAP, "unwrap"),
        (CKF.CKF_DERIVE, "derive"),
        (CKF.CKF_EC_F_P, "EC F_P"),
        (CKF.CKF_EC_F_2M, "EC F_2M"),
        (CKF.CKF_EC_ECPARAMETERS, "EC parameters"),
        (CKF.CKF_EC_NAMEDCURVE, "EC OID"),
        (CKF.CKF_EC_UNCOMPRESS, "EC uncompressed"),
        (CKF.CKF_EC_COMPRESS, "EC compressed"),
        (CKF.CKF_EXTENSION, "extension"),
    ];

    public static string TokenFlagList(ulong flags) => FlagList(flags, TokenFlags);

    public static string MechanismFlagList(ulong flags) => FlagList(flags, MechanismFlags);

    private static string FlagList(ulong flags, (ulong Flag, string Name)[] table)
    {
        var names = table.Where(f => (flags & f.Flag) != 0).Select(f => f.Name).ToList();
        ulong unknown = table.Aggregate(flags, (rest, f) => rest & ~f.Flag);
        if (unknown != 0)
            names.Add(Hex(unknown));
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    // Names come from the project's generated enums (PKCS#11 3.x and the CloudHSM vendor codes);
    // a code that none of them knows is printed in hex.
    public static string Ckr(CKR rv) => Name<SpecName.CKR>((ulong)rv);

    public static string Mechanism(CKM mechanism) => Name<SpecName.CKM>((ulong)mechanism);

    public static string ObjectClass(ulong value) => Name<SpecName.CKO>(value);

    public static string KeyType(ulong value) => Name<SpecName.CKK>(value);

    private static string Name<TEnum>(ulong value)
        where TEnum : struct, Enum
    {
        if (value <= uint.MaxValue)
        {
            var code = (TEnum)Enum.ToObject(typeof(TEnum), (uint)value);
            if (Enum.IsDefined(code))
                return code.ToString();
        }
        return Hex(value);
    }

    public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    public static string Version(string? version) => string.IsNullOrEmpty(version) ? "-" : version;

    /// <summary>CK_INFO/CK_TOKEN_INFO strings are blank-padded; show them trimmed.</summary>
    public static string Text(string? padded) => (padded ?? "").TrimEnd(' ', '\0');

    /// <summary>ulMaxSessionCount and friends: 0 is CK_EFFECTIVELY_INFINITE.</summary>
    public static string Limit(ulong value) => value == 0 ? "unlimited" : Number(value);

    /// <summary>A CK_ULONG count; all ones is CK_UNAVAILABLE_INFORMATION (32 or 64 bits wide).</summary>
    public static string Number(ulong value) => value is ulong.MaxValue or uint.MaxValue
        ? "n/a"
        : value.ToString(CultureInfo.InvariantCulture);
}
