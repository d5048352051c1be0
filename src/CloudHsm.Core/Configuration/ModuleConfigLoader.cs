using System.Text.Json;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Configuration;

/// <summary>
/// Finds and reads the configuration: the file named by <c>CLOUDHSM_PKCS11_CONF</c>, else the JSON
/// text a test passed in <c>CK_C_INITIALIZE_ARGS.pReserved</c>, else the default location. Known keys
/// only (as SoftHSM's valid_config): a typo must fail loudly, not fall back to a default silently.
/// Never looks beside the .so (dotnet/runtime#112290).
/// </summary>
public static class ModuleConfigLoader
{
    public const string ConfigEnvironmentVariable = "CLOUDHSM_PKCS11_CONF";

    /// <summary>Reads the configuration; failures are <c>CKR_GENERAL_ERROR</c> with a message that names the problem.</summary>
    public static ModuleConfig Load(string? initArgsConfig)
    {
        string? path = Environment.GetEnvironmentVariable(ConfigEnvironmentVariable);
        if (!string.IsNullOrEmpty(path))
            return Parse(ReadFile(path), path);
        if (!string.IsNullOrWhiteSpace(initArgsConfig))
            return Parse(initArgsConfig, "CK_C_INITIALIZE_ARGS.pReserved");
        string defaultPath = DefaultConfigPath();
        if (File.Exists(defaultPath))
            return Parse(ReadFile(defaultPath), defaultPath);
        return new ModuleConfig { TokenDirectory = DefaultTokenDirectory() };
    }

    /// <summary>/etc/cloudhsm/pkcs11.json for root, else $XDG_CONFIG_HOME/cloudhsm/pkcs11.json.</summary>
    public static string DefaultConfigPath()
    {
        if (Environment.UserName == "root" || Home() is null)
            return "/etc/cloudhsm/pkcs11.json";
        string configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Home()!, ".config");
        return Path.Combine(configHome, "cloudhsm", "pkcs11.json");
    }

    /// <summary>/var/lib/cloudhsm/tokens for root, else $XDG_DATA_HOME/cloudhsm/tokens.</summary>
    public static string DefaultTokenDirectory()
    {
        if (Environment.UserName == "root" || Home() is null)
            return "/var/lib/cloudhsm/tokens";
        string dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Home()!, ".local", "share");
        return Path.Combine(dataHome, "cloudhsm", "tokens");
    }

    private static string? Home() => Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : null;

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot read the file ({e.GetType().Name}: {e.Message})");
        }
    }

    public static ModuleConfig Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw Invalid(source, $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(source, "the top level must be a JSON object");
            string? tokenDirectory = null;
            var config = new ModuleConfig { TokenDirectory = "" };
            foreach (var property in document.RootElement.EnumerateObject())
            {
                config = property.Name switch
                {
                    "tokenDirectory" => config with { TokenDirectory = tokenDirectory = String(source, property) },
                    "pinKdfIterations" => config with { PinKdfIterations = Int(source, property, 1_000, 100_000_000) },
                    "maxLoginFailures" => config with { MaxLoginFailures = Int(source, property, 1, 1_000) },
                    "minPinLength" => config with { MinPinLength = Int(source, property, 1, 255) },
                    "maxPinLength" => config with { MaxPinLength = Int(source, property, 1, 255) },
                    "logDestination" => config with { LogDestination = String(source, property) },
                    "logLevel" => config with { LogLevel = OneOf(source, property, "error", "warn", "info", "debug") },
                    _ => throw Invalid(source, $"unknown key \"{property.Name}\" (known: tokenDirectory, pinKdfIterations, maxLoginFailures, minPinLength, maxPinLength, logDestination, logLevel)"),
                };
            }
            if (config.MinPinLength > config.MaxPinLength)
                throw Invalid(source, "minPinLength is larger than maxPinLength");
            return tokenDirectory is null ? config with { TokenDirectory = DefaultTokenDirectory() } : config;
        }
    }

    private static string String(string source, JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString() is not { Length: > 0 } s)
            throw Invalid(source, $"\"{property.Name}\" must be a non-empty string");
        return s;
    }

    private static int Int(string source, JsonProperty property, int min, int max)
    {
        if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int n) || n < min || n > max)
            throw Invalid(source, $"\"{property.Name}\" must be an integer from {min} to {max}");
        return n;
    }

    private static string OneOf(string source, JsonProperty property, params string[] allowed)
    {
        string s = String(source, property);
        if (!allowed.Contains(s))
            throw Invalid(source, $"\"{property.Name}\" must be one of {string.Join(", ", allowed)}");
        return s;
    }

    private static CkrException Invalid(string source, string problem) =>
        new(CKR.CKR_GENERAL_ERROR, $"invalid configuration in {source}: {problem}");
}
