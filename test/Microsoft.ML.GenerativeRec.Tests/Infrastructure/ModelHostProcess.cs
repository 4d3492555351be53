using System.Diagnostics;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs the ModelHost program: it loads a model zip in a fresh process and transforms an .idv file.</summary>
internal static class ModelHostProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Saves <paramref name="input"/>, transforms it with the zip in a new process, and returns the result.</summary>
    public static IDataView Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
    {
        string inputPath = Path.Combine(workFolder, "input.idv");
        string outputPath = Path.Combine(workFolder, "output.idv");
        using (var stream = File.Create(inputPath))
        {
            mlContext.Data.SaveAsBinary(input, stream, keepHidden: false);
        }

        string host = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.GenerativeRec.ModelHost.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "exec", host, modelPath, inputPath, outputPath })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the model host.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The model host did not finish within {Timeout}.");
        }

        Assert.AreEqual(0, process.ExitCode, $"The model host failed.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        // Read fully into memory so the file can be deleted.
        var loaded = mlContext.Data.LoadFromBinary(outputPath);
        return mlContext.Data.Cache(loaded);
    }
}
