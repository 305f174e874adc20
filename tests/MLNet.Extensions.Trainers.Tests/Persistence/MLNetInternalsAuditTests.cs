using Mono.Cecil;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Persistence;

// Every ML.NET internal we use is a place where an ML.NET upgrade can break model loading at run time. This test lists
// them from our compiled IL (resolved against the REAL ML.NET assemblies deployed beside the tests) and compares the list
// with the checked-in one, so the surface only grows on purpose. After a deliberate change, regenerate the lists:
//   MLNET_EXTENSIONS_REGENERATE_AUDIT=1 dotnet test tests/MLNet.Extensions.Trainers.Tests -c Release --filter MLNetInternalsAuditTests
public class MLNetInternalsAuditTests
{
    private static readonly HashSet<string> Audited = ["Microsoft.ML.Core", "Microsoft.ML.Data"];

    public static TheoryData<string> Assemblies() => new() { "Trainers", "Transforms" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void InternalsTouchedMatchTheCheckedInList(string project)
    {
        string location = project == "Trainers"
            ? typeof(MulticlassNetworkModelParameters).Assembly.Location
            : typeof(StandardizeSequenceTransformer).Assembly.Location;
        string listFile = $"MLNetInternals.{project}.txt";
        string[] actual = InternalsTouched(location);
        if (Environment.GetEnvironmentVariable("MLNET_EXTENSIONS_REGENERATE_AUDIT") == "1")
        {
            string source = Path.Combine(Directory.GetParent(Samples.MnistDigits.FindDataFolder())!.Parent!.FullName,
                "tests", "MLNet.Extensions.Trainers.Tests", "Persistence", listFile);
            File.WriteAllLines(source, actual);
            return;
        }
        string[] expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Persistence", listFile))
            .Where(line => line.Length > 0 && !line.StartsWith('#')).ToArray();
        string[] added = actual.Except(expected).ToArray(), removed = expected.Except(actual).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"ML.NET internals used by MLNet.Extensions.{project} changed.\nAdded:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}\n" +
            $"If deliberate, regenerate tests/MLNet.Extensions.Trainers.Tests/Persistence/{listFile}.");
    }

    private static string[] InternalsTouched(string assemblyPath)
    {
        var module = ModuleDefinition.ReadModule(assemblyPath, ReaderParameters());
        var found = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var type in module.GetTypeReferences())
        {
            if (IsInternal(type))
            {
                found.Add("type " + type.FullName);
            }
        }

        foreach (var member in module.GetMemberReferences())
        {
            if (IsInternal(member))
            {
                found.Add("member " + member.FullName);
            }
        }

        // typeof(...) arguments of attributes (e.g. SignatureLoadModel in LoadableClass) are stored as names, not references.
        foreach (var attribute in module.Assembly.CustomAttributes.Concat(module.GetTypes().SelectMany(t => t.CustomAttributes)))
        {
            foreach (var argument in attribute.ConstructorArguments.Where(a => a.Value is TypeReference))
            {
                var typeArgument = (TypeReference)argument.Value;
                if (IsInternal(typeArgument))
                {
                    found.Add("type " + typeArgument.FullName);
                }
            }
        }

        return found.ToArray();
    }

    private static bool IsInternal(MemberReference reference)
    {
        var declaring = reference is TypeReference t ? t : reference.DeclaringType;
        while (declaring is TypeSpecification spec)
        {
            declaring = spec.ElementType;
        }

        if (declaring?.Scope is not AssemblyNameReference scope || !Audited.Contains(scope.Name))
        {
            return false;
        }

        var definition = reference.Resolve()
            ?? throw new InvalidOperationException($"Cannot resolve {reference.FullName} against the real ML.NET assemblies.");
        return definition switch
        {
            TypeDefinition type => !IsVisible(type),
            MethodDefinition method => !IsVisible(method.DeclaringType) || !(method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly),
            FieldDefinition field => !IsVisible(field.DeclaringType) || !(field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly),
            _ => false,
        };
    }

    private static bool IsVisible(TypeDefinition type) =>
        type.IsPublic || (type.IsNestedPublic && IsVisible(type.DeclaringType));

    private static ReaderParameters ReaderParameters()
    {
        // Resolve against the real (non-publicized) ML.NET assemblies deployed next to the tests.
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        return new ReaderParameters { AssemblyResolver = resolver };
    }
}
