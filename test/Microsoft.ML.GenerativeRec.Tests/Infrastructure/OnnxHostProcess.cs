using System.Diagnostics;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs the OnnxHost program: it scores rows with an ONNX model through ApplyOnnxModel in a process without TorchSharp.</summary>
internal static class OnnxHostProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Saves <paramref name="input"/>, scores it with the model in a new process, and returns the result and the assemblies the process loaded.</summary>
    public static (IDataView Output, string[] LoadedAssemblies) Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
    {
        string inputPath = Path.Combine(workFolder, "onnx-input.idv");
        string outputPath = Path.Combine(workFolder, "onnx-output.idv");
        using (var stream = File.Create(inputPath))
        {
            mlContext.Data.SaveAsBinary(input, stream, keepHidden: false);
        }

        string stdout = Run(modelPath, inputPath, outputPath);
        string[] assemblies = [.. stdout.Split('\n').Select(l => l.Trim()).SkipWhile(l => l != "assemblies:").Skip(1).Where(l => l.Length > 0)];
        return (mlContext.Data.Cache(mlContext.Data.LoadFromBinary(outputPath)), assemblies);
    }

    private static string Run(params string[] arguments)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.GenerativeRec.OnnxHost.dll");
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

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the ONNX host.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The ONNX host did not finish within {Timeout}.");
        }

        Assert.AreEqual(0, process.ExitCode, $"The ONNX host failed.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        return stdout.Result;
    }
}
