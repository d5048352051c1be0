using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>What an object function did with one attribute, in the spec's vocabulary.</summary>
public enum Outcome
{
    Ok,
    /// <summary>C_CreateObject: leaving the attribute out is CKR_TEMPLATE_INCOMPLETE (footnote 1).</summary>
    Required,
    ReadOnly,
    TypeInvalid,
    ValueInvalid,
    Inconsistent,
    Incomplete,
    Sensitive,
    ActionProhibited,
}

public static class Outcomes
{
    /// <summary>Runs <paramref name="action"/> and names its result; a CKR the table has no name for
    /// fails the test with that code.</summary>
    public static Outcome Of(Action action)
    {
        try
        {
            action();
            return Outcome.Ok;
        }
        catch (CkrException e)
        {
            return e.Rv switch
            {
                CKR.CKR_ATTRIBUTE_READ_ONLY => Outcome.ReadOnly,
                CKR.CKR_ATTRIBUTE_TYPE_INVALID => Outcome.TypeInvalid,
                CKR.CKR_ATTRIBUTE_VALUE_INVALID => Outcome.ValueInvalid,
                CKR.CKR_TEMPLATE_INCONSISTENT => Outcome.Inconsistent,
                CKR.CKR_TEMPLATE_INCOMPLETE => Outcome.Incomplete,
                CKR.CKR_ACTION_PROHIBITED => Outcome.ActionProhibited,
                _ => throw new AssertionException($"unexpected {e.Rv}: {e.Message}"),
            };
        }
    }

    /// <summary>Asserts that <paramref name="action"/> fails with <paramref name="expected"/>.</summary>
    public static void Throws(CKR expected, TestDelegate action) =>
        Assert.That(Assert.Throws<CkrException>(action)!.Rv, Is.EqualTo(expected));
}
