using System.Text;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Errors;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// The module configuration (<see cref="ModuleConfigLoader.Parse"/>): the JSON of the file that
/// CLOUDHSM_PKCS11_CONF names, or of CK_C_INITIALIZE_ARGS.pReserved. A bad one is CKR_GENERAL_ERROR with a
/// message (C_Initialize's answer); one that parses must hold values inside the documented ranges.
/// </summary>
internal sealed class ConfigTarget : FuzzTarget
{
    public override string Name => "config";

    public override string Description => "ModuleConfigLoader.Parse of the configuration JSON";

    public override bool IsRefusal(Exception e) => e is CkrException { Rv: CKR.CKR_GENERAL_ERROR };

    public override void Run(ReadOnlySpan<byte> input)
    {
        var config = ModuleConfigLoader.Parse(Encoding.UTF8.GetString(input), "fuzz");
        bool sound = !string.IsNullOrEmpty(config.TokenDirectory)
            && config.PinKdfIterations is >= 1_000 and <= 100_000_000
            && config.MaxLoginFailures is >= 1 and <= 1_000
            && config.MinPinLength is >= 1 and <= 255
            && config.MaxPinLength is >= 1 and <= 255
            && config.MinPinLength <= config.MaxPinLength
            && config.LogLevel is null or "error" or "warn" or "info" or "debug"
            && config.LogDestination is null or { Length: > 0 };
        if (!sound)
            throw new FuzzOracleException($"a configuration outside the documented ranges was accepted: {config}");
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        yield return ("minimal", """{"tokenDirectory": "/tmp/tokens"}"""u8.ToArray());
        yield return ("full", """
            {
              // every key
              "tokenDirectory": "/var/lib/cloudhsm/tokens",
              "pinKdfIterations": 600000,
              "maxLoginFailures": 10,
              "minPinLength": 4,
              "maxPinLength": 64,
              "logDestination": "stderr",
              "logLevel": "debug",
            }
            """u8.ToArray());
        yield return ("unknown-key", """{"tokenDirectory": "t", "tokenDir": "typo"}"""u8.ToArray());
        yield return ("wrong-types", """{"pinKdfIterations": "600000", "minPinLength": 1e3, "logLevel": null}"""u8.ToArray());
        yield return ("not-an-object", "[1, 2, 3]"u8.ToArray());
    }
}
