using Microsoft.ML;
using Microsoft.ML.GenerativeRec.ModelHost;

// Usage: ModelHost <model.zip> <input.idv> <output.idv>
//
// Loads a model zip in a brand-new process with a fresh MLContext, without touching any of our types
// first (so ML.NET itself must find and register the loader assembly), transforms the input and saves
// every column of the result in ML.NET's binary format for the calling test to compare.
//
// Usage: ModelHost train <checkpoint folder> <model.zip> [step delay ms]
//
// Trains a small HSTU with checkpoints and saves it (TrainCommand): the test of an interrupted training run kills
// this process mid-epoch and starts it again to resume.
//
// Usage: ModelHost memory <predictions> <epochs>
//
// Prints live tensors and working set before and after many predictions and a short training run (MemoryCommand).
var invariant = System.Globalization.CultureInfo.InvariantCulture;
if (args.Length is 3 or 4 && args[0] == "train")
{
    return TrainCommand.Run(args[1], args[2], args.Length == 4 ? int.Parse(args[3], invariant) : 0);
}

if (args.Length == 3 && args[0] == "memory")
{
    return MemoryCommand.Run(int.Parse(args[1], invariant), int.Parse(args[2], invariant));
}

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: ModelHost <model.zip> <input.idv> <output.idv> | train <checkpoint folder> <model.zip> [step delay ms] | memory <predictions> <epochs>");
    return 2;
}

var mlContext = new MLContext(seed: 1);
ITransformer model = mlContext.Model.Load(args[0], out _);
IDataView input = mlContext.Data.LoadFromBinary(args[1]);
IDataView output = model.Transform(input);
using (var stream = File.Create(args[2]))
{
    mlContext.Data.SaveAsBinary(output, stream, keepHidden: false);
}

Console.WriteLine($"loaded {model.GetType().FullName}");
return 0;
