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

    /// <summary>A parser for a parameter that also names output handles (CK_DERIVED_KEY.phKey): it records
    /// the caller's pointers in <paramref name="outputs"/>, which stay in the boundary.</summary>
    public delegate MechanismParameter OutputParser(ReadOnlySpan<byte> parameter, DerivedKeyOutputs outputs);

    /// <summary>The one registration list: each family registers its parsers in its own file.</summary>
    private static readonly (FrozenDictionary<CKM, Parser> Plain, FrozenDictionary<CKM, OutputParser> WithOutputs) Parsers = Build();

    private static (FrozenDictionary<CKM, Parser>, FrozenDictionary<CKM, OutputParser>) Build()
    {
        var table = new Dictionary<CKM, Parser>();
        var withOutputs = new Dictionary<CKM, OutputParser>();
        RsaParameterParsers.Register(table);
        EcParameterParsers.Register(table);
        AesParameterParsers.Register(table);
        MacParameterParsers.Register(table, withOutputs);
        return (table.ToFrozenDictionary(), withOutputs.ToFrozenDictionary());
    }

    /// <summary>The managed parameter. <paramref name="outputs"/> receives the output pointers the parameter
    /// names (C_DeriveKey passes it; elsewhere such a mechanism fails later, and its pointers are dropped).</summary>
    public static MechanismParameter Parse(CKM type, ReadOnlySpan<byte> parameter, DerivedKeyOutputs? outputs = null)
    {
        if (Parsers.WithOutputs.TryGetValue(type, out var withOutputs))
            return withOutputs(parameter, outputs ?? new DerivedKeyOutputs());
        return Parsers.Plain.TryGetValue(type, out var parse) ? parse(parameter) : new ByteArrayParameter(parameter.ToArray());
    }
}
