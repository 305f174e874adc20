// Usage: MLNet.Extensions.Publicizer <output folder> <assembly.dll>...
// Writes a copy of each assembly in which every type and member is visible to other assemblies: internal and private
// become public, and 'private protected' becomes 'protected' so that our overrides of such members do not turn into
// public API. Identity and strong name stay as they are; the copies are compile-time references only.
using Mono.Cecil;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MLNet.Extensions.Publicizer <output folder> <assembly.dll>...");
    return 2;
}

string output = args[0];
Directory.CreateDirectory(output);
var resolver = new DefaultAssemblyResolver();
foreach (string input in args[1..])
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);

foreach (string input in args[1..])
{
    using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(input,
        new ReaderParameters { AssemblyResolver = resolver, ReadingMode = ReadingMode.Immediate });
    foreach (TypeDefinition type in assembly.MainModule.GetTypes())
    {
        if (type.IsNested)
            type.IsNestedPublic = true;
        else
            type.IsPublic = true;
        foreach (MethodDefinition method in type.Methods)
        {
            if (method.IsFamilyAndAssembly)
                method.IsFamily = true;
            else if (!method.IsPublic && !method.IsFamily && !method.IsFamilyOrAssembly)
                method.IsPublic = true;
            else if (method.IsFamilyOrAssembly)
                method.IsPublic = true;
        }
        foreach (FieldDefinition field in type.Fields)
        {
            if (field.IsFamilyAndAssembly)
                field.IsFamily = true;
            else if (!field.IsPublic && !field.IsFamily)
                field.IsPublic = true;
        }
    }
    // Write beside the target and rename, so a parallel build never reads a half-written file.
    string target = Path.Combine(output, Path.GetFileName(input));
    string temporary = target + "." + Environment.ProcessId + ".tmp";
    assembly.Write(temporary);
    File.Move(temporary, target, overwrite: true);
}
return 0;
