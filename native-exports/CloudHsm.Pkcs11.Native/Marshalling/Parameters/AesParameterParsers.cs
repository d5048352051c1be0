using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling.Parameters;

/// <summary>Parsers of this family's CK_*_PARAMS structures (being written: issue 3).</summary>
internal static class AesParameterParsers
{
    public static void Register(Dictionary<CKM, MechanismParameters.Parser> table)
    {
        _ = table;
    }
}
