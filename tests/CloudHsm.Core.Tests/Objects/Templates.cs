using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>Short spellings for test templates.</summary>
public static class T
{
    public static Template Of(params TemplateAttribute[] attributes) => new(attributes);

    public static TemplateAttribute Class(CKO value) => TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)value);

    public static TemplateAttribute KeyType(CKK value) => TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)value);

    public static TemplateAttribute Bool(CKA type, bool value) => TemplateAttribute.Bool(type, value);

    public static TemplateAttribute ULong(CKA type, ulong value) => TemplateAttribute.ULong(type, value);

    public static TemplateAttribute Bytes(CKA type, params byte[] value) => new(type, value);

    public static TemplateAttribute Text(CKA type, string value) => TemplateAttribute.Utf8(type, value);

    public static Template With(this Template template, params TemplateAttribute[] more) =>
        new(template.Where(a => !more.Any(m => m.Type == a.Type)).Concat(more));

    public static Template Without(this Template template, CKA type) => new(template.Where(a => a.Type != type));

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    public static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();
}
