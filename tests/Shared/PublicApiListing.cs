using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;

namespace FineTune.Tests;

/// <summary>
/// Renders an assembly's public surface as sorted text and compares it with <c>api/&lt;Assembly&gt;.txt</c>, so every
/// change to the public API is a reviewed diff. Set <c>FINETUNE_UPDATE_API=1</c> to rewrite the file.
/// </summary>
/// <remarks>
/// Each type line records its kind, base type and interfaces; each member line its modifiers (static, abstract,
/// virtual, override), nullable reference annotations and <c>[Obsolete]</c>/<c>[Experimental]</c>. The listing is taken
/// from the net10.0 build the tests run on; the net8.0 surface is held to it by package validation at pack time
/// (<c>EnablePackageValidation</c>, run by <c>.ci/extra.d/consumer-package</c>).
/// </remarks>
internal static class PublicApiListing
{
    public static string Render(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Attributes(type)}{Kind(type)} {Name(type)}{Inheritance(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                var text = member switch
                {
                    ConstructorInfo c => $"ctor({Params(c.GetParameters(), nullability)})",
                    MethodInfo m when !m.IsSpecialName => $"{Modifiers(m, type)}{Name(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{Generic(m)}({Params(m.GetParameters(), nullability)})",
                    MethodInfo m when m.Name.StartsWith("op_", StringComparison.Ordinal) => $"operator {m.Name}({Params(m.GetParameters(), nullability)})",
                    PropertyInfo p => $"{Modifiers(p.GetMethod ?? p.SetMethod!, type)}{(p.IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute), false) ? "required " : string.Empty)}{Name(p.PropertyType, nullability.Create(p))} {Indexer(p, nullability)} {{{(p.GetMethod?.IsPublic == true ? " get;" : string.Empty)}{(p.SetMethod?.IsPublic == true ? (IsInit(p) ? " init;" : " set;") : string.Empty)} }}",
                    FieldInfo f when type.IsEnum && f.IsStatic => $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}",
                    FieldInfo f when !type.IsEnum => $"{(f.IsStatic ? "static " : string.Empty)}{(f.IsLiteral ? "const " : f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType, nullability.Create(f))} {f.Name}",
                    EventInfo e => $"{Modifiers(e.AddMethod!, type)}event {Name(e.EventHandlerType!, nullability.Create(e))} {e.Name}",
                    _ => null,
                };
                if (text is not null)
                {
                    lines.Add($"{Name(type)}:  {Attributes(member)}{text}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var line in lines)
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }

    public static void Verify(Assembly assembly)
    {
        var path = Path.Combine(RepoPaths.Root, "api", assembly.GetName().Name + ".txt");
        var actual = Render(assembly);
        if (Environment.GetEnvironmentVariable("FINETUNE_UPDATE_API") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : string.Empty;
        actual.Should().Be(expected, $"the public API of {assembly.GetName().Name} must match {path}; review the change and rerun with FINETUNE_UPDATE_API=1 to accept it");
    }

    private static string Attributes(MemberInfo member)
    {
        var sb = new StringBuilder();
        // The compiler marks constructors of types with required members [Obsolete] for old compilers: not an API fact.
        var requiredMembersShim = member.GetCustomAttributes(inherit: false).Any(a => a.GetType().Name == "CompilerFeatureRequiredAttribute");
        if (!requiredMembersShim && member.GetCustomAttribute<ObsoleteAttribute>(inherit: false) is { } obsolete)
        {
            sb.Append("[Obsolete").Append(obsolete.IsError ? "(error)" : string.Empty).Append("] ");
        }

        if (member.GetCustomAttribute<ExperimentalAttribute>(inherit: false) is { } experimental)
        {
            sb.Append("[Experimental(").Append(experimental.DiagnosticId).Append(")] ");
        }

        return sb.ToString();
    }

    private static string Inheritance(Type t)
    {
        if (t.IsEnum || typeof(Delegate).IsAssignableFrom(t))
        {
            return string.Empty;
        }

        var parts = new List<string>();
        if (t.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            parts.Add(Name(baseType));
        }

        // Interfaces the type declares or adds, not those its base type already brings.
        var inherited = t.BaseType?.GetInterfaces() ?? [];
        parts.AddRange(t.GetInterfaces().Where(i => !inherited.Contains(i) && (i.IsPublic || i.IsNestedPublic)).Select(i => Name(i)).Order(StringComparer.Ordinal));
        return parts.Count == 0 ? string.Empty : " : " + string.Join(", ", parts);
    }

    private static string Modifiers(MethodInfo m, Type declaring)
    {
        if (m.IsStatic)
        {
            return "static ";
        }

        if (declaring.IsInterface)
        {
            return m.IsAbstract ? string.Empty : "default ";
        }

        if (m.IsAbstract)
        {
            return "abstract ";
        }

        if (m.IsVirtual && !m.IsFinal)
        {
            return m.GetBaseDefinition().DeclaringType == m.DeclaringType ? "virtual " : "override ";
        }

        return m.IsVirtual && m.GetBaseDefinition().DeclaringType != m.DeclaringType ? "sealed override " : string.Empty;
    }

    private static string Indexer(PropertyInfo p, NullabilityInfoContext nullability)
    {
        var index = p.GetIndexParameters();
        return index.Length == 0 ? p.Name : $"this[{Params(index, nullability)}]";
    }

    private static bool IsInit(PropertyInfo p) =>
        p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Kind(Type t) =>
        t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? (t.IsDefined(typeof(System.Runtime.CompilerServices.IsReadOnlyAttribute), false) ? "readonly struct" : "struct") :
        typeof(Delegate).IsAssignableFrom(t) ? "delegate" :
        (t.IsAbstract && t.IsSealed) ? "static class" : t.IsSealed ? "sealed class" : t.IsAbstract ? "abstract class" : "class";

    private static string Generic(MethodInfo m) => m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => Name(a))) + ">" : string.Empty;

    private static string Params(ParameterInfo[] ps, NullabilityInfoContext nullability) =>
        string.Join(", ", ps.Select(p =>
        {
            var byRef = p.ParameterType.IsByRef;
            var type = byRef ? p.ParameterType.GetElementType()! : p.ParameterType;
            var prefix = byRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : p.IsDefined(typeof(ParamArrayAttribute), false) ? "params " : string.Empty;
            var info = byRef ? null : nullability.Create(p);
            return $"{prefix}{Name(type, info)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}";
        }));

    private static string Name(Type t, NullabilityInfo? info = null)
    {
        var nullable = info is not null && !t.IsValueType && info.ReadState == NullabilityState.Nullable ? "?" : string.Empty;
        if (t.IsGenericParameter)
        {
            return t.Name + nullable;
        }

        if (t.IsArray)
        {
            return Name(t.GetElementType()!, info?.ElementType) + "[]" + nullable;
        }

        var name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : t.FullName ?? t.Name;
        if (!t.IsGenericType)
        {
            return name + nullable;
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        var baseName = tick >= 0 ? name[..tick] : name;
        var args = t.GetGenericArguments();
        var argInfos = info?.GenericTypeArguments;
        var rendered = args.Select((a, i) => Name(a, argInfos is { Length: > 0 } && i < argInfos.Length ? argInfos[i] : null));
        return baseName + "<" + string.Join(", ", rendered) + ">" + nullable;
    }
}
