using Microsoft.ML;

// Usage: OnnxHost <model.onnx> <input.idv> <output.idv>
//
// Scores the rows of <input.idv> with the ONNX model through mlContext.Transforms.ApplyOnnxModel (every graph input read
// from the column of the same name, every graph output appended as a column), saves the result in ML.NET's binary format
// for the calling test to compare, and prints the names of all assemblies the process loaded, one per line after
// "assemblies:".
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: OnnxHost <model.onnx> <input.idv> <output.idv>");
    return 2;
}

var mlContext = new MLContext(seed: 1);
IDataView input = mlContext.Data.LoadFromBinary(args[1]);
using (var model = mlContext.Transforms.ApplyOnnxModel(args[0]).Fit(input))
{
    IDataView output = model.Transform(input);
    using var stream = File.Create(args[2]);
    mlContext.Data.SaveAsBinary(output, stream, keepHidden: false);
}

Console.WriteLine("assemblies:");
foreach (string name in AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Order(StringComparer.Ordinal))
{
    Console.WriteLine(name);
}

return 0;
