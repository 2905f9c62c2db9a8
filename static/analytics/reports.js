// Report filters: typing a date switches the period to "Custom range"; choosing a
// preset clears the custom dates, so what is submitted is never ambiguous.
document.querySelectorAll("[data-report-filters]").forEach((form) => {
  const period = form.querySelector("[name=period]");
  const dates = form.querySelectorAll("[name=start], [name=end]");
  if (!period) return;
  dates.forEach((input) =>
    input.addEventListener("change", () => {
      if (input.value) period.value = "custom";
    }),
  );
  period.addEventListener("change", () => {
    if (period.value !== "custom") dates.forEach((input) => (input.value = ""));
  });
});
