using Mono.Cecil;

// Usage: MLPublicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]
//
// Writes a copy of each input assembly whose internal surface is visible to the C# compiler:
//   internal type                      -> public
//   internal / protected internal      -> public
//   private protected                  -> protected
//   private, protected                 -> unchanged
// Leaving private members alone avoids clashes with compiler-generated backing fields, and mapping
// private protected to protected keeps overrides writable as 'protected override'. The copies are
// compile-time references only; at run time the real assemblies load and our assembly's
// IgnoresAccessChecksTo attributes let the CLR accept the calls.
if (args.Length == 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: MLPublicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]");
    return 2;
}

for (int i = 0; i < args.Length; i += 2)
{
    string input = args[i];
    string output = args[i + 1];
    var resolver = new DefaultAssemblyResolver();
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
    using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver });
    int changed = 0;
    foreach (var type in assembly.MainModule.GetTypes())
    {
        changed += Publicizer.Publicize(type);
    }

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    string temporary = output + ".tmp";
    assembly.Write(temporary);
    File.Move(temporary, output, overwrite: true);
    Console.WriteLine($"MLPublicizer: {Path.GetFileName(input)} -> {output} ({changed} members opened)");
}

return 0;

internal static class Publicizer
{
    public static int Publicize(TypeDefinition type)
    {
        int changed = 0;
        if (type.IsNested)
        {
            if (type.IsNestedAssembly || type.IsNestedFamilyOrAssembly)
            {
                type.IsNestedPublic = true;
                changed++;
            }
            else if (type.IsNestedFamilyAndAssembly)
            {
                type.IsNestedFamily = true;
                changed++;
            }
        }
        else if (type.IsNotPublic)
        {
            type.IsPublic = true;
            changed++;
        }

        foreach (var method in type.Methods)
        {
            if (method.IsAssembly || method.IsFamilyOrAssembly)
            {
                method.IsPublic = true;
                changed++;
            }
            else if (method.IsFamilyAndAssembly)
            {
                method.IsFamily = true;
                changed++;
            }
        }

        foreach (var field in type.Fields)
        {
            if (field.IsAssembly || field.IsFamilyOrAssembly)
            {
                field.IsPublic = true;
                changed++;
            }
            else if (field.IsFamilyAndAssembly)
            {
                field.IsFamily = true;
                changed++;
            }
        }

        return changed;
    }
}
