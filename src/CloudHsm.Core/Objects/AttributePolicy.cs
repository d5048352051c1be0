namespace CloudHsm.Core.Objects;

/// <summary>
/// What PKCS#11 says about one attribute of one object type, as flags (kryoptic's OAFlags with readable
/// names; SoftHSM's ck1..ck17). The numbered footnotes are the spec's "common footnotes for object
/// attribute tables" (PKCS#11 §4.2 in 3.x, Table 10 in 2.40). <see cref="ObjectEngine"/> reads these flags and
/// nothing else, so a rule lives in exactly one table row.
/// </summary>
[Flags]
internal enum AttributePolicy : uint
{
    None = 0,

    /// <summary>Footnote 1: MUST be specified when the object is created with C_CreateObject.</summary>
    RequiredOnCreate = 1 << 0,

    /// <summary>Footnote 3: MUST be specified when the object is generated with C_GenerateKey(Pair).</summary>
    RequiredOnGenerate = 1 << 1,

    /// <summary>Footnote 5: MUST be specified when the object is unwrapped with C_UnwrapKey.</summary>
    RequiredOnUnwrap = 1 << 2,

    /// <summary>Footnote 2: MUST NOT be specified when the object is created with C_CreateObject
    /// (CKR_ATTRIBUTE_READ_ONLY, §4.1.1 item 3).</summary>
    ForbiddenOnCreate = 1 << 3,

    /// <summary>Footnote 4: MUST NOT be specified when the object is generated (CKR_ATTRIBUTE_READ_ONLY).</summary>
    ForbiddenOnGenerate = 1 << 4,

    /// <summary>Footnote 6: MUST NOT be specified when the object is unwrapped (CKR_ATTRIBUTE_READ_ONLY).</summary>
    ForbiddenOnUnwrap = 1 << 5,

    /// <summary>Footnote 7: cannot be revealed if the object has CKA_SENSITIVE true or CKA_EXTRACTABLE
    /// false. These attributes carry key material: the store seals exactly these.</summary>
    Sensitive = 1 << 6,

    /// <summary>Footnote 8: may be changed with C_SetAttributeValue, and so also by C_CopyObject (§4.1.3).</summary>
    Modifiable = 1 << 7,

    /// <summary>§4.1.3: not modifiable, but a C_CopyObject template may change it (CKA_TOKEN, CKA_PRIVATE,
    /// CKA_MODIFIABLE, CKA_DESTROYABLE).</summary>
    ChangeableOnCopy = 1 << 8,

    /// <summary>Footnote 11: cannot be changed once set to CK_TRUE (it becomes read-only).</summary>
    LatchesTrue = 1 << 9,

    /// <summary>Footnote 12: cannot be changed once set to CK_FALSE (it becomes read-only).</summary>
    LatchesFalse = 1 << 10,

    /// <summary>Footnote 10: can only be set to CK_TRUE by the SO user.</summary>
    SoOnlyTrue = 1 << 11,

    /// <summary>§4.4 (CKA_UNIQUE_ID): assigned by the token; no template of any operation may name it
    /// (CKR_ATTRIBUTE_READ_ONLY).</summary>
    NeverSettable = 1 << 12,

    /// <summary>Footnote 9 and the tables' "(default …)": the row carries the value used when the
    /// template and the creating function give none.</summary>
    HasDefault = 1 << 13,

    /// <summary>Belongs to one object instance, not to its content: the token assigns it to every new
    /// object, and C_CopyObject does not carry it over (CKA_UNIQUE_ID).</summary>
    Ephemeral = 1 << 14,

    /// <summary>Footnotes 2, 4 and 6 together: only the token sets it (CKA_LOCAL, CKA_ALWAYS_SENSITIVE, …).</summary>
    TokenAssigned = ForbiddenOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap,
}
