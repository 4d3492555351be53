namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs the OnnxHost program: it scores rows with an ONNX model through ApplyOnnxModel in a process without TorchSharp.</summary>
internal static class OnnxHostProcess
{
    private static readonly HostProgram Host = new("Microsoft.ML.GenerativeRec.OnnxHost.dll", "ONNX host");

    /// <summary>Saves <paramref name="input"/>, scores it with the model in a new process, and returns the result and the assemblies the process loaded.</summary>
    public static (IDataView Output, string[] LoadedAssemblies) Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
    {
        var (output, stdout) = Host.Transform(mlContext, modelPath, input, workFolder);
        string[] assemblies = [.. stdout.Split('\n').Select(l => l.Trim()).SkipWhile(l => l != "assemblies:").Skip(1).Where(l => l.Length > 0)];
        return (output, assemblies);
    }
}
