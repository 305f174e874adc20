using Mono.Cecil;
using Mono.Cecil.Cil;
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

    /// <summary>The folder of each assembly that alone may touch ML.NET internals.</summary>
    public const string SeamFolder = "MLNetSeam";

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void OnlyTheSeamFolderTouchesInternals(string project)
    {
        string location = project == "Trainers"
            ? typeof(MulticlassNetworkModelParameters).Assembly.Location
            : typeof(StandardizeSequenceTransformer).Assembly.Location;
        var parameters = ReaderParameters();
        parameters.ReadSymbols = true;
        var module = ModuleDefinition.ReadModule(location, parameters);
        var outside = new SortedSet<string>(StringComparer.Ordinal);
        int inside = 0;
        foreach ((string file, string member) in InternalsTouchedByFile(module))
        {
            if (file.Replace('\\', '/').Contains($"/{SeamFolder}/"))
                inside++;
            else
                outside.Add($"{Path.GetFileName(file)}: {member}");
        }
        Assert.True(outside.Count == 0,
            $"Files of MLNet.Extensions.{project} outside src/{project}/{SeamFolder} touch ML.NET internals (move the code into the seam or wrap it there):\n  " +
            string.Join("\n  ", outside));
        Assert.True(inside > 0, "The audit found no internal use at all; it is not reading the symbols.");
    }

    /// <summary>(source file, internal member) for every internal reference, located through the portable PDB.</summary>
    private static IEnumerable<(string File, string Member)> InternalsTouchedByFile(ModuleDefinition module)
    {
        foreach (TypeDefinition type in module.GetTypes())
        {
            string[] typeFiles = FilesOf(type);
            var typeLevel = new List<MemberReference>();
            if (type.BaseType is not null)
                typeLevel.Add(type.BaseType);
            typeLevel.AddRange(type.Interfaces.Select(i => i.InterfaceType));
            typeLevel.AddRange(type.Fields.Select(f => f.FieldType));
            typeLevel.AddRange(type.CustomAttributes.Select(a => a.Constructor));
            foreach (MethodDefinition method in type.Methods)
            {
                typeLevel.Add(method.ReturnType);
                typeLevel.AddRange(method.Parameters.Select(p => p.ParameterType));
                typeLevel.AddRange(method.Overrides);
                if (!method.HasBody)
                    continue;
                string[] methodFiles = method.DebugInformation.SequencePoints.Select(p => p.Document.Url).Distinct().ToArray();
                foreach (Instruction instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is MemberReference reference && IsInternal(reference))
                    {
                        foreach (string file in methodFiles.Length > 0 ? methodFiles : typeFiles)
                            yield return (file, reference.FullName);
                    }
                }
            }
            foreach (MemberReference reference in typeLevel.Where(IsInternal))
            {
                foreach (string file in typeFiles)
                    yield return (file, reference.FullName);
            }
        }
        // [assembly: LoadableClass(typeof(T), ...)] carries no location; it sits beside T by convention, so T's files count.
        foreach (CustomAttribute attribute in module.Assembly.CustomAttributes.Where(a => IsInternal(a.Constructor)))
        {
            if (attribute.ConstructorArguments.FirstOrDefault().Value is TypeReference instance && instance.Resolve() is { } definition
                && definition.Module == module)
            {
                foreach (string file in FilesOf(definition))
                    yield return (file, attribute.Constructor.FullName);
            }
        }
    }

    private static string[] FilesOf(TypeDefinition type) => type.Methods
        .Concat(type.NestedTypes.SelectMany(n => n.Methods))
        .SelectMany(m => m.DebugInformation.SequencePoints.Select(p => p.Document.Url))
        .Distinct().ToArray();

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
