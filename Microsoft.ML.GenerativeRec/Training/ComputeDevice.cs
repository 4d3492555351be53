namespace Microsoft.ML.GenerativeRec;

/// <summary>Where a neural trainer trains; the fitted model scores there too.</summary>
/// <remarks>
/// A model loaded from a zip (<c>mlContext.Model.Load</c>) follows the loading MLContext as <see cref="Auto"/> does:
/// it goes to the CPU unless that MLContext's <c>GpuDeviceId</c> names a GPU, whatever device it was trained on.
/// </remarks>
public enum ComputeDevice
{
    /// <summary>
    /// Follow the MLContext, as ML.NET's TorchSharp trainers do: the CPU when <c>MLContext.GpuDeviceId</c> is null (the
    /// default), else that CUDA GPU. When that GPU is not usable (no CUDA runtime package, or no such device),
    /// <c>MLContext.FallbackToCpu</c> = true runs on the CPU with a warning in the MLContext log; otherwise training
    /// fails with <see cref="NotSupportedException"/>.
    /// </summary>
    Auto = 0,

    /// <summary>The CPU, whatever the MLContext says.</summary>
    Cpu = 1,

    /// <summary>
    /// A CUDA GPU whatever the MLContext says: <c>MLContext.GpuDeviceId</c>, or GPU 0 when it is null. Training fails
    /// with <see cref="NotSupportedException"/> when that GPU is not usable; <c>MLContext.FallbackToCpu</c> does not apply.
    /// </summary>
    Cuda = 2,
}
