namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs the ModelHost program: it loads a model zip in a fresh process and transforms an .idv file, or trains (<c>train</c>).</summary>
internal static class ModelHostProcess
{
    private static readonly HostProgram Host = new("Microsoft.ML.GenerativeRec.ModelHost.dll", "model host");

    /// <summary>Saves <paramref name="input"/>, transforms it with the zip in a new process, and returns the result.</summary>
    public static IDataView Transform(MLContext mlContext, string modelPath, IDataView input, string workFolder)
        => Host.Transform(mlContext, modelPath, input, workFolder).Output;

    /// <inheritdoc cref="HostProgram.Run"/>
    public static string Run(params string[] arguments) => Host.Run(arguments);

    /// <inheritdoc cref="HostProgram.Start"/>
    public static System.Diagnostics.Process Start(params string[] arguments) => Host.Start(arguments);
}
