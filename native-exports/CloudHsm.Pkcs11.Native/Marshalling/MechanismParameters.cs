using System.Collections.Frozen;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Native.Marshalling.Parameters;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// Turns a mechanism's native parameter block into its managed <see cref="MechanismParameter"/>.
/// The raw span is the caller's CK_*_PARAMS structure; a parser checks its exact size
/// (<c>sizeof(CK_RSA_PKCS_PSS_PARAMS)</c> ...), reads it, copies anything it points to (an IV, a
/// label) and returns a typed record. Mechanisms without a registered parser receive the bytes.
/// </summary>
internal static class MechanismParameters
{
    /// <summary>A parser for one mechanism's parameter. Failures are CkrException(CKR_MECHANISM_PARAM_INVALID).</summary>
    public delegate MechanismParameter Parser(ReadOnlySpan<byte> parameter);

    /// <summary>The one registration list: each family registers its parsers in its own file.</summary>
    private static readonly FrozenDictionary<CKM, Parser> Parsers = Build();

    private static FrozenDictionary<CKM, Parser> Build()
    {
        var table = new Dictionary<CKM, Parser>();
        RsaParameterParsers.Register(table);
        EcParameterParsers.Register(table);
        AesParameterParsers.Register(table);
        MacParameterParsers.Register(table);
        return table.ToFrozenDictionary();
    }

    public static MechanismParameter Parse(CKM type, ReadOnlySpan<byte> parameter) =>
        Parsers.TryGetValue(type, out var parse) ? parse(parameter) : new ByteArrayParameter(parameter.ToArray());
}
