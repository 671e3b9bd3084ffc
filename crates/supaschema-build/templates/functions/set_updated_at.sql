{#- Body of the `updated_at` trigger function. Receives nothing. -#}
begin
  new.updated_at := now();
  return new;
end;
