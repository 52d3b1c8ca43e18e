using System.Reflection;
using System.Text;

namespace FineTune.Tests;

/// <summary>
/// Renders an assembly's public surface as sorted text and compares it with <c>api/&lt;Assembly&gt;.txt</c>, so every
/// change to the public API is a reviewed diff. Set <c>FINETUNE_UPDATE_API=1</c> to rewrite the file.
/// </summary>
internal static class PublicApiListing
{
    public static string Render(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Kind(type)} {Name(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                var text = member switch
                {
                    ConstructorInfo c => $"  ctor({Params(c.GetParameters())})",
                    MethodInfo m when !m.IsSpecialName => $"  {(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}{Generic(m)}({Params(m.GetParameters())})",
                    MethodInfo m when m.Name.StartsWith("op_", StringComparison.Ordinal) => $"  operator {m.Name}({Params(m.GetParameters())})",
                    PropertyInfo p => $"  {Name(p.PropertyType)} {p.Name} {{{(p.GetMethod?.IsPublic == true ? " get;" : string.Empty)}{(p.SetMethod?.IsPublic == true ? (IsInit(p) ? " init;" : " set;") : string.Empty)} }}",
                    FieldInfo f when type.IsEnum && f.IsStatic => $"  {f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}",
                    FieldInfo f when !type.IsEnum => $"  {(f.IsStatic ? "static " : string.Empty)}{(f.IsLiteral ? "const " : f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType)} {f.Name}",
                    EventInfo e => $"  event {Name(e.EventHandlerType!)} {e.Name}",
                    _ => null,
                };
                if (text is not null)
                {
                    lines.Add($"{Name(type)}:{text}");
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

    private static bool IsInit(PropertyInfo p) =>
        p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Kind(Type t) =>
        t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" : typeof(Delegate).IsAssignableFrom(t) ? "delegate" :
        (t.IsAbstract && t.IsSealed) ? "static class" : t.IsSealed ? "sealed class" : t.IsAbstract ? "abstract class" : "class";

    private static string Generic(MethodInfo m) => m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(Name)) + ">" : string.Empty;

    private static string Params(ParameterInfo[] ps) =>
        string.Join(", ", ps.Select(p => $"{(p.ParameterType.IsByRef ? (p.IsOut ? "out " : "ref ") : string.Empty)}{Name(p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string Name(Type t)
    {
        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        if (t.IsArray)
        {
            return Name(t.GetElementType()!) + "[]";
        }

        var name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : t.FullName ?? t.Name;
        if (!t.IsGenericType)
        {
            return name;
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        var baseName = tick >= 0 ? name[..tick] : name;
        return baseName + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
    }
}
