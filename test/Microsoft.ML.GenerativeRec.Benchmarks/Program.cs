using Microsoft.ML.GenerativeRec.Benchmarks;

string data = args.Length > 1 ? args[1] : Path.Combine("data", "ml-1m");
switch (args.FirstOrDefault())
{
    case "profile-step":
        StepProfile.Run(data, args.Length > 2 ? int.Parse(args[2]) : 5,
            args.Length > 3 ? Enum.Parse<Microsoft.ML.GenerativeRec.NegativeSampling>(args[3]) : Microsoft.ML.GenerativeRec.NegativeSampling.PerPosition);
        return 0;
    case "quick":
        // quick <data> <hstu|sasrec> <users> <epochs> <batch> <lr> <sampling>
        QuickRun.Run(data, args[2], int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]),
            double.Parse(args[6], System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Microsoft.ML.GenerativeRec.NegativeSampling>(args[7]));
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- profile-step [data folder] [steps]");
        return 2;
}
