using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>
/// One row per (object type, attribute, function): the engine gives the outcome <see cref="SpecTable"/>
/// states, and a change it accepts is really made.
/// </summary>
public class PolicyTableTests
{
    public enum Function { Create, Set, Copy, Read }

    private static readonly ObjectContext User = ObjectContext.User;

    public static IEnumerable<TestCaseData> Rows()
    {
        foreach (var (type, expect) in SpecTable.Rows())
        {
            string attribute = AttributeCatalog.Name(expect.Type);
            yield return Row(type, expect.Type, Function.Create, expect.Create, attribute);
            yield return Row(type, expect.Type, Function.Set, expect.Set, attribute);
            yield return Row(type, expect.Type, Function.Copy, expect.Copy, attribute);
            yield return Row(type, expect.Type, Function.Read, expect.Read, attribute);
        }
    }

    [TestCaseSource(nameof(Rows))]
    public void Outcome_is_the_one_the_spec_table_gives(ObjectType type, CKA attribute, Function function, Outcome expected)
    {
        var actual = function switch
        {
            Function.Create => CreateOutcome(type, attribute, expected),
            Function.Set => ChangeOutcome(type, attribute, (obj, t) => ObjectEngine.SetAttributes(obj, t, User)),
            Function.Copy => ChangeOutcome(type, attribute, (obj, t) => ObjectEngine.Copy(obj, t, User)),
            _ => ReadOutcome(type, attribute),
        };
        Assert.That(actual, Is.EqualTo(expected));
    }

    private static TestCaseData Row(ObjectType type, CKA attribute, Function function, Outcome expected, string name) =>
        new TestCaseData(type, attribute, function, expected).SetName($"{type.Name} {name} {function} {expected}");

    /// <summary>A required attribute is left out (and the minimal template must then succeed);
    /// any other is added with a sample value.</summary>
    private static Outcome CreateOutcome(ObjectType type, CKA attribute, Outcome expected)
    {
        if (expected == Outcome.Required)
        {
            Assert.That(type.Minimal.Contains(attribute), $"{attribute} should be in the minimal template");
            Assert.That(Outcomes.Of(() => ObjectEngine.Create(type.Minimal, User)), Is.EqualTo(Outcome.Ok));
            var omitted = Outcomes.Of(() => ObjectEngine.Create(type.Minimal.Without(attribute), User));
            return omitted == Outcome.Incomplete ? Outcome.Required : omitted;
        }
        Assert.That(type.Minimal.Contains(attribute), Is.False, $"{attribute} is not required, so not in the minimal template");
        byte[] value = Samples.ForCreate(attribute);
        HsmObject? created = null;
        var outcome = Outcomes.Of(() => created = ObjectEngine.Create(type.Minimal.With(T.Bytes(attribute, value)), User));
        if (outcome == Outcome.Ok)
            Assert.That(created!.Attributes[attribute], Is.EqualTo(value), "the created object keeps the given value");
        return outcome;
    }

    private static Outcome ChangeOutcome(ObjectType type, CKA attribute, Func<HsmObject, Template, HsmObject> change)
    {
        var obj = ObjectEngine.Create(type.Minimal, User);
        byte[] value = Samples.Changed(obj, attribute);
        HsmObject? changed = null;
        var outcome = Outcomes.Of(() => changed = change(obj, T.Of(T.Bytes(attribute, value))));
        if (outcome == Outcome.Ok)
            Assert.That(changed!.Attributes[attribute], Is.EqualTo(value), "the change is made");
        return outcome;
    }

    private static Outcome ReadOutcome(ObjectType type, CKA attribute)
    {
        var read = ObjectEngine.Read(ObjectEngine.Create(type.Minimal, User), attribute);
        return read.Status switch
        {
            AttributeReadStatus.Ok => Outcome.Ok,
            AttributeReadStatus.Sensitive => Outcome.Sensitive,
            _ => Outcome.TypeInvalid,
        };
    }
}
