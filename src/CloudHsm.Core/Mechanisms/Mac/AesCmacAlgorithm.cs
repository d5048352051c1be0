using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>AES-CMAC (NIST SP 800-38B, RFC 4493) on BouncyCastle: .NET has no CMAC (DESIGN.md fact 4).</summary>
internal sealed class AesCmacAlgorithm() : MacAlgorithm("AES-CMAC", 16)
{
    public static readonly AesCmacAlgorithm Instance = new();

    public override IMacFunction Create(ReadOnlySpan<byte> key)
    {
        // AesUtilities picks the AES-NI engine where the CPU has it.
        var cmac = new CMac(AesUtilities.CreateEngine());
        cmac.Init(new KeyParameter(key));
        return new BouncyCastleMacFunction(cmac);
    }
}
