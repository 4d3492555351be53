using System.Diagnostics;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>A console program built next to the tests (ModelHost, OnnxHost), run in a process of its own.</summary>
/// <param name="AssemblyName">The program's dll in the test output folder.</param>
/// <param name="DisplayName">How failures name it.</param>
internal sealed record HostProgram(string AssemblyName, string DisplayName)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs the program to the end, fails the test unless it exits with 0, and returns its standard output.</summary>
    public string Run(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The {DisplayName} did not finish within {Timeout}.");
        }

        Assert.AreEqual(0, process.ExitCode, $"The {DisplayName} failed.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Starts the program with its standard output and error redirected; the caller reads them and ends it.</summary>
    public Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, AssemblyName));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start the {DisplayName}.");
    }

    /// <summary>Saves <paramref name="input"/> as an .idv file in <paramref name="workFolder"/>, runs the program with
    /// the model, that file and an output path, and returns the output read into memory (so the folder can go) and
    /// the program's standard output.</summary>
    public (IDataView Output, string Stdout) Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
    {
        string stem = Path.GetFileNameWithoutExtension(AssemblyName);
        string inputPath = Path.Combine(workFolder, $"{stem}-input.idv");
        string outputPath = Path.Combine(workFolder, $"{stem}-output.idv");
        using (var stream = File.Create(inputPath))
        {
            mlContext.Data.SaveAsBinary(input, stream, keepHidden: false);
        }

        string stdout = Run(modelPath, inputPath, outputPath);
        return (mlContext.Data.Cache(mlContext.Data.LoadFromBinary(outputPath)), stdout);
    }
}
