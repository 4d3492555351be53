using System.Diagnostics;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs the ModelHost program: it loads a model zip in a fresh process and transforms an .idv file, or trains (<c>train</c>).</summary>
internal static class ModelHostProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Saves <paramref name="input"/>, transforms it with the zip in a new process, and returns the result.</summary>
    public static IDataView Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
    {
        string inputPath = Path.Combine(workFolder, "input.idv");
        string outputPath = Path.Combine(workFolder, "output.idv");
        using (var stream = File.Create(inputPath))
        {
            mlContext.Data.SaveAsBinary(input, stream, keepHidden: false);
        }

        Run(modelPath, inputPath, outputPath);
        // Read fully into memory so the file can be deleted.
        var loaded = mlContext.Data.LoadFromBinary(outputPath);
        return mlContext.Data.Cache(loaded);
    }

    /// <summary>Runs the host to the end, fails the test unless it exits with 0, and returns its standard output.</summary>
    public static string Run(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The model host did not finish within {Timeout}.");
        }

        Assert.AreEqual(0, process.ExitCode, $"The model host failed.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Starts the host with its standard output and error redirected; the caller reads them and ends it.</summary>
    public static Process Start(params string[] arguments)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.GenerativeRec.ModelHost.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(host);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the model host.");
    }
}
