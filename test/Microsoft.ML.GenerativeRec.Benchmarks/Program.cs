using Microsoft.ML.GenerativeRec.Benchmarks;

string data = args.Length > 1 ? args[1] : Path.Combine("data", "ml-1m");
switch (args.FirstOrDefault())
{
    case "profile-step":
        StepProfile.Run(data, args.Length > 2 ? int.Parse(args[2]) : 5);
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- profile-step [data folder] [steps]");
        return 2;
}
