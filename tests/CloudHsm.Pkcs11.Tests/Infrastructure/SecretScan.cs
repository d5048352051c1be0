using System.Text;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// Looks for named secrets (key bytes, PINs) in bytes that must not hold them: attribute values, files
/// of the token directory, the diagnostic log. A secret counts as found when any run of about a dozen of
/// its bytes appears in one of the forms a careless program writes them in:
/// <list type="bullet">
/// <item>raw: every 8-byte window of the secret at a stride of 4 (so any copied run of 11 bytes or more
/// is caught; a chance match of 8 given bytes in a few MB is about 2^-40);</item>
/// <item>hex, either case: the same windows as 16 hex digits, matched case-insensitively;</item>
/// <item>base64: the secret encoded at each of the three alignments a blob holding it can give it,
/// cut into the 12-character groups that encoding contains whatever surrounds the secret;</item>
/// <item>the whole secret as text, when it is printable (a PIN).</item>
/// </list>
/// Secrets shorter than 8 bytes are looked for whole only, in each form.
/// </summary>
public sealed class SecretScan
{
    private const int Window = 8;
    private const int Stride = 4;

    private readonly List<(string Name, string Form, byte[] Pattern)> _raw = new();
    private readonly List<(string Name, string Form, string Pattern)> _text = new();
    private readonly List<(string Name, string Form, string Pattern)> _caseless = new();

    public SecretScan Add(string name, byte[] secret)
    {
        if (secret.Length == 0) throw new ArgumentException("an empty secret cannot be looked for", nameof(secret));
        foreach (byte[] window in Windows(secret))
        {
            _raw.Add((name, "raw bytes", window));
            _caseless.Add((name, "hex", Convert.ToHexStringLower(window)));
        }
        for (int align = 0; align < 3 && align < secret.Length; align++)
        {
            string b64 = Convert.ToBase64String(secret, align, secret.Length - align);
            // Groups of 4 characters encode 3 bytes; the last group may hold padding or bits that depend
            // on what follows the secret, so it is left out (unless it is all there is).
            int whole = secret.Length - align >= 6 ? (b64.Length / 4 - 1) * 4 : b64.Length;
            const int chars = 12;
            if (whole <= chars) _text.Add((name, "base64", b64[..whole]));
            else
                for (int i = 0; i + chars <= whole; i += 4)
                    _text.Add((name, "base64", b64.Substring(i, chars)));
        }
        if (secret.All(b => b is >= 0x20 and < 0x7F))
            _text.Add((name, "text", Encoding.ASCII.GetString(secret)));
        return this;
    }

    /// <summary>Every place a secret shows in <paramref name="haystack"/>, as "name (form)"; empty when none.</summary>
    public IReadOnlyList<string> FindIn(ReadOnlySpan<byte> haystack)
    {
        var hits = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, form, pattern) in _raw)
            if (haystack.IndexOf(pattern) >= 0) hits.Add($"{name} ({form})");
        if (_text.Count > 0 || _caseless.Count > 0)
        {
            string text = Encoding.Latin1.GetString(haystack);
            foreach (var (name, form, pattern) in _text)
                if (text.Contains(pattern, StringComparison.Ordinal)) hits.Add($"{name} ({form})");
            string lower = text.ToLowerInvariant();
            foreach (var (name, form, pattern) in _caseless)
                if (lower.Contains(pattern, StringComparison.Ordinal)) hits.Add($"{name} ({form})");
        }
        return hits.ToList();
    }

    private static IEnumerable<byte[]> Windows(byte[] secret)
    {
        if (secret.Length <= Window)
        {
            yield return secret;
            yield break;
        }
        for (int i = 0; ; i += Stride)
        {
            if (i + Window >= secret.Length)
            {
                yield return secret[^Window..];
                yield break;
            }
            yield return secret[i..(i + Window)];
        }
    }
}
